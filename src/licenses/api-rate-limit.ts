import { hash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { recordAudit, SYSTEM_ACTOR } from '../audit/index.js';
import type { Database, Dialect } from '../db/index.js';
import type { Result } from '../errors.js';

export interface LicenseApiLimits {
  windowMs: number;
  maxPerIp: number;
  maxPerKey: number;
}

/**
 * Where the caller stands, for the RateLimit-* headers: the counter closest to refusing (per IP or
 * per key), how many requests it still allows and when its window ends.
 */
export interface LicenseApiQuota {
  limit: number;
  remaining: number;
  resetMs: number;
}

/** Which counters refused for the first time in their window (the audit log notes each window once). */
export type LicenseApiDecision = Result<
  { quota: LicenseApiQuota },
  'RATE_LIMITED',
  { retryAfterMs: number; firstRefusals: ('ip' | 'key')[]; quota: LicenseApiQuota }
>;

interface Window {
  startedAt: number;
  /** This instance's hits not yet merged into the shared counter. */
  unflushed: number;
  /** The shared counter (every instance's hits) as of this instance's last merge. */
  shared: number;
  /** Malformed requests seen here: they count against their IP on this instance only, never merged. */
  local: number;
  /** This instance already refused a request in this window. */
  refused: boolean;
}

/** One counter's contribution to a merge, and what the shared table answers. */
export interface CounterDelta {
  name: string;
  windowStartedAt: number;
  delta: number;
}

/** Where instances add up their counts; absent on SQLite, whose file one server process owns. */
export type SharedCounters = (deltas: readonly CounterDelta[]) => Promise<Map<string, number>>;

/** Counters kept at most; beyond it the oldest windows are dropped first (a flood of spoofed IPs). */
const MAX_COUNTERS = 200_000;
/** How long hits wait in memory before one statement merges them into the shared counters. */
const MERGE_DELAY_MS = 1000;

/**
 * Fixed windows, per client IP (one client flooding) and per key (many IPs trying one key), counted
 * before any work. Validation is the API's hot path (a seller's app checks at every start), and a
 * counter upsert per request was its main cost (on SQLite a commit per validation, which blocks
 * the event loop: docs/BENCHMARKS.md, licenses). So hits are counted in memory and, with several
 * instances on PostgreSQL, merged into the shared `rate_limits` table once a second in one
 * statement: every instance then decides on the sum of all instances' hits, at most a second
 * stale. Windows are aligned to the clock (multiples of the window length) so that all instances
 * agree on where one starts. On SQLite one process owns the database file, so memory is the whole
 * truth; counts reset on restart there, which only forgives a client early. Keys carry 80 random
 * bits: guessing fails on entropy, the limiter keeps one client from hogging the server.
 * A refused request (over a limit, or malformed) writes nothing: it is not counted at all once a
 * limit refuses it (the verdict cannot change within the window), and a malformed one counts in
 * memory only, so a flood of either, from however many addresses or keys, adds no shared rows.
 */
export class LicenseApiLimiter {
  // Insertion order is window-start order (a restarted window is re-inserted), so the front is oldest.
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | null = null;
  private merging: Promise<void> | null = null;

  constructor(
    private readonly limits: LicenseApiLimits,
    private readonly shared: SharedCounters | null = null,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /**
   * Decides on one request of `ip` naming `key`, and counts it when allowed. A null key is a body
   * without a usable key (malformed): it counts per IP, on this instance only.
   */
  consume(ip: string, key: string | null, now: number): LicenseApiDecision {
    this.evict(now);
    const ipName = `ip:${ip}`;
    // Only a digest of the key is kept: the shared table must not become a list of valid keys.
    const keyName = key === null ? null : `key:${keyDigest(key)}`;
    const byIp = this.current(ipName, now);
    const byKey = keyName === null ? undefined : this.current(keyName, now);
    // A window that refuses exists already: refusing needs hits, and only allowed requests add them.
    const over = (w: Window | undefined, max: number): w is Window =>
      w !== undefined && w.shared + w.unflushed + w.local >= max;
    const refusing: [Window, 'ip' | 'key'][] = [];
    if (over(byIp, this.limits.maxPerIp)) refusing.push([byIp, 'ip']);
    if (over(byKey, this.limits.maxPerKey)) refusing.push([byKey, 'key']);
    if (refusing.length > 0) {
      let retryAfterMs = 0;
      const firstRefusals: ('ip' | 'key')[] = [];
      for (const [w, counter] of refusing) {
        retryAfterMs = Math.max(retryAfterMs, w.startedAt + this.limits.windowMs - now);
        if (!w.refused) firstRefusals.push(counter);
        w.refused = true;
      }
      const quota = { ...this.quota(byIp, keyName === null ? null : byKey, now), remaining: 0 };
      return { ok: false, code: 'RATE_LIMITED', retryAfterMs: Math.max(1000, retryAfterMs), firstRefusals, quota };
    }
    if (keyName === null) {
      const window = this.hit(ipName, now);
      window.local += 1;
      return { ok: true, quota: this.quota(window, null, now) };
    }
    const ipWindow = this.hit(ipName, now);
    const keyWindow = this.hit(keyName, now);
    ipWindow.unflushed += 1;
    keyWindow.unflushed += 1;
    if (this.shared && !this.timer) {
      // An idle server holds no timer and runs no queries.
      this.timer = setTimeout(() => void this.merge(), MERGE_DELAY_MS);
      this.timer.unref();
    }
    return { ok: true, quota: this.quota(ipWindow, keyWindow, now) };
  }

  /** The tighter of the counters that apply (null: no key counter, a malformed body). */
  private quota(byIp: Window | undefined, byKey: Window | undefined | null, now: number): LicenseApiQuota {
    const windowStart = now - (now % this.limits.windowMs);
    const resetMs = windowStart + this.limits.windowMs - now;
    const left = (w: Window | undefined, max: number) => Math.max(0, max - (w ? w.shared + w.unflushed + w.local : 0));
    const ip = { limit: this.limits.maxPerIp, remaining: left(byIp, this.limits.maxPerIp), resetMs };
    if (byKey === null) return ip;
    const key = { limit: this.limits.maxPerKey, remaining: left(byKey, this.limits.maxPerKey), resetMs };
    return key.remaining < ip.remaining ? key : ip;
  }

  get size(): number {
    return this.windows.size;
  }

  /** Merges this instance's pending hits into the shared counters (also called on close). */
  async merge(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.merging;
    const shared = this.shared;
    if (!shared) return;
    const deltas: CounterDelta[] = [];
    for (const [name, w] of this.windows) {
      if (w.unflushed === 0) continue;
      deltas.push({ name, windowStartedAt: w.startedAt, delta: w.unflushed });
      // Counted as shared at once, so the decision does not dip while the statement runs.
      w.shared += w.unflushed;
      w.unflushed = 0;
    }
    if (deltas.length === 0) return;
    this.merging = shared(deltas)
      .then((totals) => {
        for (const d of deltas) {
          const w = this.windows.get(d.name);
          const total = totals.get(d.name);
          if (w && total !== undefined && w.startedAt === d.windowStartedAt) w.shared = Math.max(w.shared, total);
        }
      })
      // A failed merge only leaves this instance counting for itself until the next one.
      .catch(this.onError);
    await this.merging;
    this.merging = null;
  }

  /** The counter's window if it is the one `now` falls in. */
  private current(name: string, now: number): Window | undefined {
    const window = this.windows.get(name);
    return window && window.startedAt === now - (now % this.limits.windowMs) ? window : undefined;
  }

  /** The counter's current window, started (empty) if it ended or never began. */
  private hit(name: string, now: number): Window {
    const current = this.current(name, now);
    if (current) return current;
    const fresh = { startedAt: now - (now % this.limits.windowMs), unflushed: 0, shared: 0, local: 0, refused: false };
    this.windows.delete(name);
    this.windows.set(name, fresh);
    return fresh;
  }

  /** Drops windows that ended (from the front, oldest first), and the oldest beyond the cap. */
  private evict(now: number): void {
    for (const [name, window] of this.windows) {
      const over = this.windows.size >= MAX_COUNTERS;
      if (!over && window.startedAt > now - this.limits.windowMs) break;
      this.windows.delete(name);
    }
  }
}

function keyDigest(key: string): string {
  return hash('sha256', key, 'base64url').slice(0, 22);
}

/**
 * The shared counters per dialect: on PostgreSQL one upsert over arrays (one round trip for every
 * counter touched in the last second); on SQLite none (a single server process owns the file).
 * A counter row holds the newest window any instance reported; an older window's late merge
 * changes nothing.
 */
export function sharedCountersFor(db: Kysely<Database>, dialect: Dialect): SharedCounters | null {
  if (dialect !== 'postgres') return null;
  return async (deltas) => {
    const names = deltas.map((d) => `license-api:${d.name}`);
    const { rows } = await sql<{ key: string; count: number | string }>`
      insert into rate_limits (key, window_started_at, count)
      select * from unnest(${names}::text[], ${deltas.map((d) => d.windowStartedAt)}::bigint[], ${deltas.map((d) => d.delta)}::integer[])
      on conflict (key) do update set
        count = case
          when rate_limits.window_started_at = excluded.window_started_at then rate_limits.count + excluded.count
          when rate_limits.window_started_at < excluded.window_started_at then excluded.count
          else rate_limits.count end,
        window_started_at = greatest(rate_limits.window_started_at, excluded.window_started_at)
      returning key, count`.execute(db);
    const totals = new Map<string, number>();
    for (const row of rows) totals.set(row.key.slice('license-api:'.length), Number(row.count));
    return totals;
  };
}

/**
 * A security event for the operator (shown in the console's audit log) when a counter starts
 * refusing: once per window per IP and per key, not once per refused request, so a flood cannot
 * flood the log too. The key is shown cut short: the log must not become a list of valid keys.
 * With several instances each one notes its own first refusal of the window.
 */
export async function recordLicenseApiLimited(
  db: Kysely<Database>,
  refused: { counters: readonly ('ip' | 'key')[]; ip: string; key: string | null },
  limits: LicenseApiLimits,
  now: number,
): Promise<void> {
  for (const counter of refused.counters) {
    const target =
      counter === 'ip' ? { type: 'ip', id: refused.ip } : { type: 'license_key', id: maskedKey(refused.key ?? '') };
    const max = counter === 'ip' ? limits.maxPerIp : limits.maxPerKey;
    await recordAudit(
      db,
      { ...SYSTEM_ACTOR, ip: refused.ip },
      { action: 'license_api.rate_limited', target, details: { limit: counter, max, windowMs: limits.windowMs } },
      now,
    );
  }
}

/** `KEI-ABCD-…`: enough for an operator to recognise the license, not enough to use it. */
function maskedKey(key: string): string {
  return `${key.slice(0, 9)}…`;
}
