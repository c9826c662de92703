import type { Kysely } from 'kysely';
import type { Database, MailStatus } from '../db/index.js';

export function listMail(db: Kysely<Database>, filter: { status?: MailStatus; limit?: number } = {}) {
  let q = db
    .selectFrom('mail_outbox')
    .select([
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
      'text_body',
    ])
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100);
  if (filter.status) q = q.where('status', '=', filter.status);
  return q.execute();
}
