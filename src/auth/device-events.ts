import { isIP } from 'node:net';
import type { Kysely } from 'kysely';
import type { Database, DeviceEventKind } from '../db/index.js';
import { browserFamily, osFamily } from '../shared/user-agent.js';

/**
 * The network an address belongs to, not the address: /24 for IPv4, /48 for IPv6 (a home or office
 * line, roughly). "Used from many places" needs no more, so no more is stored (docs/SECURITY.md).
 */
export function ipPrefix(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped?.[1] ?? ip;
  const version = isIP(address);
  if (version === 4) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (version !== 6) return null;
  // Expand "::" so the first three groups are the real ones.
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 3)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/48`;
}

export interface DeviceEventInput {
  kind: DeviceEventKind;
  memberId?: number | null;
  licenseId?: number | null;
  deviceId?: number | null;
  ip?: string | null;
  /** The full user agent; only its browser and OS families are kept. */
  userAgent?: string;
}

/** Writes one event, in the caller's transaction when it has one (the limit and its count commit together). */
export async function recordDeviceEvent(db: Kysely<Database>, event: DeviceEventInput, now: number): Promise<void> {
  const ua = event.userAgent ?? '';
  await db
    .insertInto('device_events')
    .values({
      member_id: event.memberId ?? null,
      license_id: event.licenseId ?? null,
      kind: event.kind,
      device_id: event.deviceId ?? null,
      ip_prefix: ipPrefix(event.ip),
      browser: ua === '' ? '' : browserFamily(ua),
      os: ua === '' ? '' : osFamily(ua),
      at: now,
    })
    .execute();
}

/** A limit of `limit` events per `windowMs`, counted since `since` (the window's start or the last reset). */
export interface WindowLimit {
  /** 0: no limit. */
  limit: number;
  windowMs: number;
}

export interface Allowance {
  /** Null when there is no limit. */
  limit: number | null;
  used: number;
  remaining: number | null;
  /** When one more becomes possible (only when none remains). */
  nextAt: number | null;
}

/**
 * How many of a limit are left, from the times of the counted events (oldest first). When none is
 * left, the next one is possible once enough of the oldest events have left the window.
 */
export function allowanceFrom(times: readonly number[], rule: WindowLimit): Allowance {
  const used = times.length;
  if (rule.limit <= 0) return { limit: null, used, remaining: null, nextAt: null };
  const remaining = Math.max(0, rule.limit - used);
  const oldestToLeave = times[used - rule.limit];
  const nextAt = remaining === 0 && oldestToLeave !== undefined ? oldestToLeave + rule.windowMs : null;
  return { limit: rule.limit, used, remaining, nextAt };
}

/**
 * The counted events of one member or license: in the window and after the last reset. Read
 * inside the transaction that then records the next one, with the member or license row locked
 * on PostgreSQL (SQLite has one writer), so parallel attempts at the limit cannot all pass.
 */
export async function countedEventTimes(
  db: Kysely<Database>,
  owner: { memberId: number } | { licenseId: number },
  kind: DeviceEventKind,
  since: number,
): Promise<number[]> {
  let query = db.selectFrom('device_events').select('at').where('kind', '=', kind).where('at', '>', since);
  query =
    'memberId' in owner
      ? query.where('member_id', '=', owner.memberId)
      : query.where('license_id', '=', owner.licenseId);
  const rows = await query.orderBy('at').orderBy('id').execute();
  return rows.map((r) => Number(r.at));
}

/** Counting starts at the later of the window's start and the last reset. */
export function countingSince(now: number, windowMs: number, resetAt: number | null): number {
  return Math.max(now - windowMs, resetAt === null ? Number.NEGATIVE_INFINITY : Number(resetAt));
}

/** The member's own override (from the membership's product rule) and the seller's last reset. */
export interface MemberTakeoverLimits {
  takeoverLimit: number | null;
  resetAt: number | null;
}

/**
 * The member's override and last reset. `forUpdate` (PostgreSQL, inside the login transaction) locks
 * the row: that serialises the member's logins, so the count read next is the one the next takeover
 * adds to (SQLite runs one write transaction at a time).
 */
export async function memberTakeoverLimits(
  db: Kysely<Database>,
  memberId: number,
  forUpdate: boolean,
): Promise<MemberTakeoverLimits> {
  const query = db.selectFrom('members').select(['takeover_limit', 'takeovers_reset_at']).where('id', '=', memberId);
  const row = forUpdate ? await query.forUpdate().executeTakeFirst() : await query.executeTakeFirst();
  const resetAt = row?.takeovers_reset_at ?? null;
  return { takeoverLimit: row?.takeover_limit ?? null, resetAt: resetAt === null ? null : Number(resetAt) };
}

/** "Tetap gunakan di sini" left for a member: TAKEOVER_LIMIT (or the member's override) per window. */
export async function takeoverAllowance(
  db: Kysely<Database>,
  memberId: number,
  limits: MemberTakeoverLimits,
  settings: { takeoverLimit: number; takeoverWindowMs: number },
  now: number,
): Promise<Allowance & { windowMs: number }> {
  const rule = { limit: limits.takeoverLimit ?? settings.takeoverLimit, windowMs: settings.takeoverWindowMs };
  const since = countingSince(now, rule.windowMs, limits.resetAt);
  const times = await countedEventTimes(db, { memberId }, 'takeover', since);
  return { ...allowanceFrom(times, rule), windowMs: rule.windowMs };
}
