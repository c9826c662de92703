import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, Dialect, MailRow } from '../db/index.js';

/** How long a claimed mail stays ours by default (MAIL_LEASE_SECONDS); a worker that dies mid-send lets it go after this. */
export const CLAIM_LEASE_MS = 120_000;

/**
 * Claims up to `limit` due mails (pending and due, or `sending` whose lease ran out) and marks them
 * `sending` with a lease, counting the attempt. One statement, so it is atomic on its own and can
 * run inside a caller's transaction. The dialects differ in one clause: PostgreSQL adds
 * FOR UPDATE SKIP LOCKED so several instances never claim the same row; SQLite has a single
 * writer, so the UPDATE … WHERE id IN (SELECT … LIMIT n) is already exclusive.
 */
export async function claimDueMails(
  db: Kysely<Database>,
  dialect: Dialect,
  now: number,
  limit: number,
  leaseMs = CLAIM_LEASE_MS,
): Promise<MailRow[]> {
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const result = await sql<MailRow>`
    update mail_outbox set status = 'sending', lease_until = ${now + leaseMs}, attempts = attempts + 1
    where id in (
      select id from mail_outbox
      where (status = 'pending' and next_attempt_at <= ${now}) or (status = 'sending' and lease_until < ${now})
      order by next_attempt_at, id
      limit ${limit}
      ${lock}
    )
    returning *`.execute(db);
  return result.rows;
}
