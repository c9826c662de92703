import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/index.js';
import type { RealtimeEvent } from './events.js';

/**
 * NOTIFY channels belong to the database, not to a schema: two Gerbangs in two schemas of one
 * database (or the test suite's schema per test) must not hear each other's events. So the
 * channel carries the schema the tables live in, cut to the 63 bytes of an identifier. Written in
 * SQL once: the listener asks for the name, a transaction notifies on it without a round trip more.
 */
const CHANNEL = sql<string>`left(case when current_schema() = 'public' then 'gerbang_realtime' else 'gerbang_realtime_' || current_schema() end, 63)`;

export async function notifyChannel(db: Kysely<Database>): Promise<string> {
  const result = await sql<{ name: string }>`select ${CHANNEL} as name`.execute(db);
  return result.rows[0]?.name ?? 'gerbang_realtime';
}

/**
 * NOTIFYs the events on this schema's channel. Inside a transaction PostgreSQL holds the
 * notifications until COMMIT (and drops them on ROLLBACK): the other instances hear an event
 * exactly when it is committed, with no statement after the commit.
 */
export async function notifyEvents(db: Kysely<Database>, events: readonly RealtimeEvent[]): Promise<void> {
  const payloads = events.map(notifyPayload);
  await sql`select pg_notify(${CHANNEL}, payload) from unnest(${payloads}::text[]) as payload`.execute(db);
}

/** A realtime_events row to append (the columns, data already JSON text). */
export interface EventRow {
  member_id: number;
  device_id: number | null;
  kind: string;
  data: string;
  created_at: number;
}

/**
 * Appends events and NOTIFYs them in one statement (one round trip inside a login's transaction
 * instead of two): the payload is built in SQL from the inserted row, as `notifyPayload` builds it
 * (the event as JSON, or `id:memberId` past 7,999 bytes), and goes out with the COMMIT. The ids
 * come back in insertion order.
 */
export async function insertAndNotifyEvents(db: Kysely<Database>, rows: readonly EventRow[]): Promise<number[]> {
  const column = <T>(pick: (row: EventRow) => T) => rows.map(pick);
  const result = await sql<{ id: number }>`
    with inserted as (
      insert into realtime_events (member_id, device_id, kind, data, created_at)
      select * from unnest(${column((r) => r.member_id)}::integer[], ${column((r) => r.device_id)}::integer[],
        ${column((r) => r.kind)}::text[], ${column((r) => r.data)}::text[], ${column((r) => r.created_at)}::bigint[])
      returning id, member_id, device_id, kind, data, created_at
    ), payloads as (
      select id, member_id, json_build_object('id', id, 'memberId', member_id, 'deviceId', device_id, 'kind', kind,
        'data', data::json, 'createdAt', created_at)::text as event from inserted
    )
    select id, pg_notify(${CHANNEL}, case when octet_length(event) <= ${NOTIFY_PAYLOAD_MAX_BYTES} then event
      else id || ':' || member_id end)
    from payloads order by id`.execute(db);
  return result.rows.map((row) => Number(row.id));
}

/** How many delivered ids are remembered for deduplication (far more than one catch-up looks back). */
const REMEMBERED = 10_000;

/**
 * Ids already delivered (or known not to concern this instance), so that an event arriving twice
 * (published here and notified back, or notified and caught up after a reconnect) goes out once.
 * Bounded: the oldest ids are forgotten first (a Set iterates in insertion order).
 */
export class RecentIds {
  private readonly ids = new Set<number>();
  highest = 0;

  has(id: number): boolean {
    return this.ids.has(id);
  }

  /** Remembers the id; false when it was already known. */
  add(id: number): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (id > this.highest) this.highest = id;
    if (this.ids.size > REMEMBERED) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }
}

/**
 * PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more (the default build's limit), counted
 * in the database encoding's bytes; UTF-8 here, as Buffer.byteLength counts.
 */
export const NOTIFY_PAYLOAD_MAX_BYTES = 7999;

/**
 * What an event's NOTIFY carries: the whole event as JSON, so the instance holding its stream writes
 * it at once without reading the row back; an event too big for a notification carries only
 * `id:memberId`, and that instance fetches the row by id.
 */
export function notifyPayload(event: RealtimeEvent): string {
  const full = JSON.stringify(event);
  // Bytes are never fewer than UTF-16 units, so a short string needs no count.
  if (full.length * 3 <= NOTIFY_PAYLOAD_MAX_BYTES || Buffer.byteLength(full) <= NOTIFY_PAYLOAD_MAX_BYTES) return full;
  return `${event.id}:${event.memberId}`;
}

/** A notification read back: the event itself, or the id of one to fetch; null when not ours. */
export type NotifyMessage = { event: RealtimeEvent } | { id: number; memberId: number };

const ID_ONLY = /^(\d+):(\d+)$/;

export function parseNotifyPayload(payload: string): NotifyMessage | null {
  if (payload.startsWith('{')) {
    try {
      const event = JSON.parse(payload) as RealtimeEvent;
      if (
        typeof event.id === 'number' &&
        typeof event.memberId === 'number' &&
        typeof event.kind === 'string' &&
        typeof event.data === 'object' &&
        event.data !== null &&
        typeof event.createdAt === 'number' &&
        (event.deviceId === null || typeof event.deviceId === 'number')
      )
        return { event };
    } catch {
      return null;
    }
    return null;
  }
  const match = ID_ONLY.exec(payload);
  return match ? { id: Number(match[1]), memberId: Number(match[2]) } : null;
}
