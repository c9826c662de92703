import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/index.js';

/** PostgreSQL truncates identifiers (channel names included) past 63 bytes. */
const MAX_IDENTIFIER = 63;

/**
 * NOTIFY channels belong to the database, not to a schema: two Gerbangs in two schemas of one
 * database (or the test suite's schema per test) must not hear each other's ids, which would name
 * rows of another schema. So the channel carries the schema the tables live in.
 */
export async function notifyChannel(db: Kysely<Database>): Promise<string> {
  const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = result.rows[0]?.schema ?? 'public';
  const name = schema === 'public' ? 'gerbang_realtime' : `gerbang_realtime_${schema}`;
  return name.slice(0, MAX_IDENTIFIER);
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
