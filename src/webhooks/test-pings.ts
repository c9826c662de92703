import type { Kysely } from 'kysely';
import type { Database, WebhookProvider } from '../db/index.js';
import type { LynkEnvelope } from './lynk/payload.js';

/**
 * The "Test URL" button of Lynk.id's dashboard posts a generic body (`"event": "test_event"`, or an
 * event without `message_data`) that may carry no valid signature. Refusing it made sellers think
 * the connection was broken. It is answered 200 and grants nothing: there is no payment in it. It
 * is counted on one row per provider (never stored one by one) so the console can say when the last
 * one arrived, and limited per address so it cannot be used to write to the database at will.
 */
export function isLynkTestEvent(envelope: LynkEnvelope): boolean {
  if (envelope.event === undefined) return false;
  return envelope.event === 'test_event' || envelope.data?.message_data === undefined;
}

export interface TestPing {
  count: number;
  lastAt: number;
  /** Whether the last one carried a valid signature (a Lynk-signed test proves the key, too). */
  lastSigned: boolean;
}

/** Per address and minute, and per instance and minute across all addresses. */
const MAX_PER_IP_PER_MINUTE = 10;
const MAX_WRITES_PER_MINUTE = 60;

export class TestPings {
  private minute = -1;
  private perIp = new Map<string, number>();
  private writes = 0;

  constructor(private readonly db: Kysely<Database>) {}

  /** 'limited' when this address sent too many this minute (answered 429); otherwise counted. */
  async record(provider: WebhookProvider, ip: string | null, signed: boolean, now: number): Promise<'ok' | 'limited'> {
    const minute = Math.floor(now / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.perIp.clear();
      this.writes = 0;
    }
    const key = ip ?? '-';
    const seen = (this.perIp.get(key) ?? 0) + 1;
    this.perIp.set(key, seen);
    if (seen > MAX_PER_IP_PER_MINUTE) return 'limited';
    // Past the instance's budget the answer is still 200: the console already shows a test this minute.
    if (++this.writes > MAX_WRITES_PER_MINUTE) return 'ok';
    await this.db
      .insertInto('webhook_test_pings')
      .values({ provider, count: 1, last_at: now, last_signed: signed ? 1 : 0 })
      .onConflict((oc) =>
        oc.column('provider').doUpdateSet((eb) => ({
          count: eb('webhook_test_pings.count', '+', 1),
          last_at: now,
          last_signed: signed ? 1 : 0,
        })),
      )
      .execute();
    return 'ok';
  }
}

export async function lastTestPing(db: Kysely<Database>, provider: WebhookProvider): Promise<TestPing | null> {
  const row = await db.selectFrom('webhook_test_pings').selectAll().where('provider', '=', provider).executeTakeFirst();
  return row ? { count: row.count, lastAt: row.last_at, lastSigned: row.last_signed === 1 } : null;
}
