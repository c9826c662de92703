import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Database, DeviceEventKind } from '../db/index.js';

const DAY_MS = 86_400_000;

/** The two windows the console shows. */
export const SIGNAL_WINDOWS = [7, 30] as const;

/** What one member or license did in a window (device_events, plus license activations). */
export interface SharingCounts {
  /** Members: takeovers done. Licenses: devices released. */
  moves: number;
  /** Members: conflicts shown and takeovers refused. Licenses: activations refused at the device limit and releases refused. */
  attempts: number;
  devices: number;
  ipPrefixes: number;
}

export interface SharingRow {
  id: number;
  label: string;
  /** By window (7, 30 days). */
  counts: Record<(typeof SIGNAL_WINDOWS)[number], SharingCounts>;
  score: number;
}

/**
 * The "Dicurigai berbagi akun" score of a 30-day window (docs/PANDUAN.md): each takeover or
 * release 3 points, each refused or blocked attempt 2, each device beyond two 2, each network
 * beyond two 1. Two devices (a phone and a laptop) on two networks (home and mobile) score 0.
 * It only ranks the list: nothing is decided from it.
 */
export function sharingScore(c: SharingCounts): number {
  return 3 * c.moves + 2 * c.attempts + 2 * Math.max(0, c.devices - 2) + Math.max(0, c.ipPrefixes - 2);
}

/** Lists only what scores at least this (a member who took over once on a new phone does not). */
export const SUSPICION_THRESHOLD = 6;

const MOVE: Record<'member' | 'license', DeviceEventKind> = { member: 'takeover', license: 'release' };
const ATTEMPTS: Record<'member' | 'license', DeviceEventKind[]> = {
  member: ['conflict', 'takeover_refused'],
  license: ['activation_refused', 'release_refused'],
};

/** Per owner (member or license): counts of one window from device_events. */
async function eventCounts(db: Kysely<Database>, owner: 'member' | 'license', since: number, only?: number) {
  const column = owner === 'member' ? 'member_id' : 'license_id';
  let query = db
    .selectFrom('device_events')
    .select((eb) => [
      eb.ref(column).as('owner'),
      eb.fn.sum<number | string>(eb.case().when('kind', '=', MOVE[owner]).then(1).else(0).end()).as('moves'),
      eb.fn.sum<number | string>(eb.case().when('kind', 'in', ATTEMPTS[owner]).then(1).else(0).end()).as('attempts'),
      eb.fn.count<number | string>('device_id').distinct().as('devices'),
      eb.fn.count<number | string>('ip_prefix').distinct().as('prefixes'),
    ])
    .where(column, 'is not', null)
    .where('at', '>', since);
  if (only !== undefined) query = query.where(column, '=', only);
  const rows = await query.groupBy(column).execute();
  const out = new Map<number, SharingCounts>();
  for (const r of rows)
    if (r.owner !== null)
      out.set(Number(r.owner), {
        moves: Number(r.moves),
        attempts: Number(r.attempts),
        devices: Number(r.devices),
        ipPrefixes: Number(r.prefixes),
      });
  return out;
}

/** Distinct devices a license was activated on in the window (the app's fingerprints, hashed). */
async function activationDevices(db: Kysely<Database>, since: number, only?: number) {
  let query = db
    .selectFrom('license_activations')
    .select((eb) => ['license_id', eb.fn.count<number | string>('fingerprint_hash').distinct().as('devices')])
    .where('created_at', '>', since);
  if (only !== undefined) query = query.where('license_id', '=', only);
  const rows = await query.groupBy('license_id').execute();
  return new Map(rows.map((r) => [r.license_id, Number(r.devices)]));
}

const EMPTY: SharingCounts = { moves: 0, attempts: 0, devices: 0, ipPrefixes: 0 };

async function windowCounts(db: Kysely<Database>, owner: 'member' | 'license', since: number, only?: number) {
  const counts = await eventCounts(db, owner, since, only);
  if (owner === 'license') {
    // A license's devices are its activations (releases name the device only through the API).
    for (const [licenseId, devices] of await activationDevices(db, since, only)) {
      const c = counts.get(licenseId) ?? { ...EMPTY };
      counts.set(licenseId, { ...c, devices: Math.max(c.devices, devices) });
    }
  }
  return counts;
}

/**
 * The ranked "Dicurigai berbagi akun" lists: members and licenses whose 30-day score reaches the
 * threshold, highest first, with their 7- and 30-day counts.
 */
export async function suspectedSharing(
  db: Kysely<Database>,
  owner: 'member' | 'license',
  now: number,
  limit = 50,
): Promise<SharingRow[]> {
  const [week, month] = await Promise.all([
    windowCounts(db, owner, now - 7 * DAY_MS),
    windowCounts(db, owner, now - 30 * DAY_MS),
  ]);
  const ranked = [...month]
    .map(([id, c]) => ({ id, c, score: sharingScore(c) }))
    .filter((r) => r.score >= SUSPICION_THRESHOLD)
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, limit);
  const labels = await labelsFor(
    db,
    owner,
    ranked.map((r) => r.id),
  );
  return ranked.map((r) => ({
    id: r.id,
    label: labels.get(r.id) ?? `#${r.id}`,
    counts: { 7: week.get(r.id) ?? EMPTY, 30: r.c },
    score: r.score,
  }));
}

/** One member's or license's counts in both windows (its evidence page). */
export async function sharingCountsOf(db: Kysely<Database>, owner: 'member' | 'license', id: number, now: number) {
  const [week, month] = await Promise.all([
    windowCounts(db, owner, now - 7 * DAY_MS, id),
    windowCounts(db, owner, now - 30 * DAY_MS, id),
  ]);
  const counts = { 7: week.get(id) ?? EMPTY, 30: month.get(id) ?? EMPTY };
  return { counts, score: sharingScore(counts[30]) };
}

async function labelsFor(db: Kysely<Database>, owner: 'member' | 'license', ids: number[]) {
  if (ids.length === 0) return new Map<number, string>();
  if (owner === 'member') {
    const rows = await db.selectFrom('members').select(['id', 'email']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.email]));
  }
  const rows = await db
    .selectFrom('licenses')
    .select(['id', 'license_key', 'product_title'])
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, `${r.license_key} · ${r.product_title}`]));
}

/** Evidence: each device and network the member was seen on in 30 days, with first and last time. */
export async function memberEvidence(db: Kysely<Database>, memberId: number, now: number) {
  const rows = await db
    .selectFrom('device_events')
    .select((eb) => [
      'device_id',
      'ip_prefix',
      'browser',
      'os',
      eb.fn.min('at').as('first'),
      eb.fn.max('at').as('last'),
      eb.fn.countAll<number | string>().as('events'),
    ])
    .where('member_id', '=', memberId)
    .where('at', '>', now - 30 * DAY_MS)
    .groupBy(['device_id', 'ip_prefix', 'browser', 'os'])
    .orderBy('last', 'desc')
    .limit(100)
    .execute();
  return rows.map((r) => ({
    deviceId: r.device_id,
    ipPrefix: r.ip_prefix,
    browser: r.browser,
    os: r.os,
    firstAt: Number(r.first),
    lastAt: Number(r.last),
    events: Number(r.events),
  }));
}

/** Takeovers per day over the last `days` days, oldest first (the member's chart), in the display zone. */
export async function takeoversPerDay(
  db: Kysely<Database>,
  memberId: number,
  now: number,
  timeZone: string,
  days = 30,
): Promise<{ day: string; count: number }[]> {
  const rows = await db
    .selectFrom('device_events')
    .select('at')
    .where('member_id', '=', memberId)
    .where('kind', '=', 'takeover')
    .where('at', '>', now - days * DAY_MS)
    .execute();
  // Days as the seller reads them ("23 Nov"), in the display zone; the label is also the bucket's key.
  const dayOf = new Intl.DateTimeFormat('id-ID', { timeZone, day: 'numeric', month: 'short' });
  const buckets = new Map<string, number>();
  for (let i = days - 1; i >= 0; i--) buckets.set(dayOf.format(now - i * DAY_MS), 0);
  for (const r of rows) {
    const key = dayOf.format(Number(r.at));
    if (buckets.has(key)) buckets.set(key, (buckets.get(key) ?? 0) + 1);
  }
  return [...buckets].map(([day, count]) => ({ day, count }));
}

/** The seller resets a member's takeover count: earlier takeovers no longer count against the limit. */
export async function resetTakeoverCount(
  db: Kysely<Database>,
  memberId: number,
  actor: AuditActor,
  now: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('members')
      .set({ takeovers_reset_at: now })
      .where('id', '=', memberId)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return false;
    await recordAudit(
      trx,
      actor,
      { action: 'member.takeover_count_reset', target: { type: 'member', id: memberId }, details: {} },
      now,
    );
    return true;
  });
}
