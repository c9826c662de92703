import type { Kysely } from 'kysely';
import { PostgresAdapter } from 'kysely';
import type { Database, PpobStatus } from '../db/index.js';
import { housekeepingGate } from '../db/index.js';
import { insertAndNotifyEvents } from './postgres-channel.js';

/**
 * What travels to browsers. Events carry only what the page needs (the old stream sent whole
 * member rows, password hash included). New kinds (license revocation, PPOB status) extend this map.
 */
export interface RealtimeEventData {
  'session.revoked': { reason: string; at: number; message: string };
  /** A PPOB transaction of the member changed (ordered, or Hesda reported its outcome). */
  'transaction.updated': {
    id: number;
    status: PpobStatus;
    statusLabel: string;
    productCode: string;
    productName: string;
    customerNo: string;
    sn: string | null;
    message: string | null;
    createdAt: number;
    updatedAt: number;
  };
  /** A license was revoked: every page using it closes its content. */
  'license.revoked': { licenseId: number; reason: string; at: number; message: string };
  /** One activation ended (another device took it over, released, reset): the page holding it closes. */
  'activation.revoked': { licenseId: number; activationId: number; reason: string; at: number; message: string };
  /** The membership ended before its time (a refund): pages showing member content close it. */
  'membership.ended': { reason: string; at: number; message: string };
}
export type RealtimeKind = keyof RealtimeEventData;

export interface RealtimeEvent<K extends RealtimeKind = RealtimeKind> {
  id: number;
  memberId: number;
  /** null: for every device of the member. */
  deviceId: number | null;
  kind: K;
  data: RealtimeEventData[K];
  createdAt: number;
}

export type NewRealtimeEvent = Omit<RealtimeEvent, 'id' | 'createdAt'>;

const pruneDue = housekeepingGate();

/** Events older than this are pruned; a browser away longer reloads its page anyway. */
export const EVENT_RETENTION_MS = 7 * 86_400_000; // 7 days

/**
 * Appends events to the log inside the caller's transaction, so an event exists exactly when the
 * change it announces does; the caller publishes the returned events on the bus after commit. The
 * log is what `Last-Event-ID` resumes from, on this instance or another.
 */
export async function recordRealtimeEvents(
  db: Kysely<Database>,
  events: readonly NewRealtimeEvent[],
  now: number,
): Promise<RealtimeEvent[]> {
  if (events.length === 0) return [];
  const rows = events.map((e) => ({
    member_id: e.memberId,
    device_id: e.deviceId,
    kind: e.kind,
    data: JSON.stringify(e.data),
    created_at: now,
  }));
  // On PostgreSQL the NOTIFY rides in the caller's transaction and goes out with its COMMIT: the
  // other instances hear the event at once, instead of after a post-commit statement on a pool
  // connection (which, with logins holding the pool, waits for one). The insert and the NOTIFY are
  // one statement: every round trip inside a login's transaction delays the event.
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const ids = postgres
    ? await insertAndNotifyEvents(db, rows)
    : (await db.insertInto('realtime_events').values(rows).returning('id').execute()).map((row) => row.id);
  // Pruning rides on writes (an idle server runs no queries), at most hourly per process: it is one
  // more round trip inside a login's transaction.
  if (pruneDue(now)) {
    await db
      .deleteFrom('realtime_events')
      .where('created_at', '<', now - EVENT_RETENTION_MS)
      .execute();
  }
  const recorded = events.map((e, i) => {
    const id = ids[i];
    if (id === undefined) throw new Error('realtime event insert returned fewer ids than rows');
    return { ...e, id, createdAt: now };
  });
  if (postgres) for (const event of recorded) notifiedAtCommit.add(event);
  return recorded;
}

/** Events whose NOTIFY went out with their transaction's commit: the bus only delivers them locally. */
const notifiedAtCommit = new WeakSet<RealtimeEvent>();

export function wasNotifiedAtCommit(event: RealtimeEvent): boolean {
  return notifiedAtCommit.has(event);
}

export function toEvent(row: {
  id: number;
  member_id: number;
  device_id: number | null;
  kind: string;
  data: string;
  created_at: number;
}): RealtimeEvent {
  return {
    id: row.id,
    memberId: row.member_id,
    deviceId: row.device_id,
    kind: row.kind as RealtimeKind,
    data: JSON.parse(row.data) as RealtimeEventData[RealtimeKind],
    createdAt: row.created_at,
  };
}

/** Events for this member's device after `afterId`, oldest first (the Last-Event-ID catch-up). */
export async function eventsAfter(
  db: Kysely<Database>,
  memberId: number,
  deviceId: number,
  afterId: number,
  limit = 100,
): Promise<RealtimeEvent[]> {
  const rows = await db
    .selectFrom('realtime_events')
    .selectAll()
    .where('member_id', '=', memberId)
    .where('id', '>', afterId)
    .where((eb) => eb.or([eb('device_id', 'is', null), eb('device_id', '=', deviceId)]))
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toEvent);
}

/** The event that announced this device's logout, for a browser that reconnects after it. */
export async function lastRevocationFor(
  db: Kysely<Database>,
  memberId: number,
  deviceId: number,
): Promise<RealtimeEvent | null> {
  const row = await db
    .selectFrom('realtime_events')
    .selectAll()
    .where('member_id', '=', memberId)
    .where('device_id', '=', deviceId)
    .where('kind', '=', 'session.revoked')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toEvent(row) : null;
}

/** Whether this event is addressed to a stream of the given device. */
export function isFor(event: RealtimeEvent, memberId: number, deviceId: number): boolean {
  return event.memberId === memberId && (event.deviceId === null || event.deviceId === deviceId);
}
