import type { Kysely } from 'kysely';
import type { Database, MailStatus } from '../db/index.js';

/** What an outbox list shows (the CLI and the console); bodies are read only for one mail. */
export const OUTBOX_LIST_COLUMNS = [
  'id',
  'kind',
  'to_address',
  'subject',
  'status',
  'transport',
  'attempts',
  'next_attempt_at',
  'last_error',
  'created_at',
  'sent_at',
] as const;

export function listMail(db: Kysely<Database>, filter: { status?: MailStatus; limit?: number } = {}) {
  let q = db
    .selectFrom('mail_outbox')
    .select([...OUTBOX_LIST_COLUMNS, 'text_body'])
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100);
  if (filter.status) q = q.where('status', '=', filter.status);
  return q.execute();
}

/**
 * When the worker next has something to do: the earliest pending retry or expiring lease, or null
 * when the outbox holds no unfinished mail (then only a nudge or the safety poll wakes it).
 */
export async function nextMailDueAt(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom('mail_outbox')
    .select((eb) => [
      eb.fn.min('next_attempt_at').filterWhere('status', '=', 'pending').as('pending'),
      eb.fn.min('lease_until').filterWhere('status', '=', 'sending').as('lease'),
    ])
    .where('status', 'in', ['pending', 'sending'])
    .executeTakeFirst();
  const times = [row?.pending, row?.lease].filter((t): t is number => t !== null && t !== undefined).map(Number);
  return times.length > 0 ? Math.min(...times) : null;
}
