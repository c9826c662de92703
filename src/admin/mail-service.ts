import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Runtime } from '../clock.js';
import type { Database } from '../db/index.js';

/** The outbox in the console: one mail, and sending a failed one again. */

export function mailDetail(db: Kysely<Database>, id: number) {
  return db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * A failed (or still waiting) mail is due again now. Its attempt count stays: the operator sees
 * the history, and the worker gives up again after one more failure past MAIL_MAX_ATTEMPTS.
 */
export async function retryMail(db: Kysely<Database>, runtime: Runtime, id: number, actor: AuditActor) {
  const now = runtime.now();
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('mail_outbox')
      .set({ status: 'pending', next_attempt_at: now, lease_until: null })
      .where('id', '=', id)
      .where('status', 'in', ['failed', 'pending'])
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await recordAudit(trx, actor, { action: 'mail.retry', target: { type: 'mail', id } }, now);
    return true;
  });
}
