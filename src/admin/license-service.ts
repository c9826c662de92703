import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Runtime } from '../clock.js';
import type { Database } from '../db/index.js';
import { enqueueMail, licenseMailSubject } from '../mail/index.js';
import { successor } from './search-key.js';

/**
 * License administration in the console. Revocation, activation reset and releasing one device
 * are src/licenses' own services (routes/license-actions.ts calls them).
 */

export async function licenseDetail(db: Kysely<Database>, id: number) {
  const license = await db.selectFrom('licenses').selectAll().where('id', '=', id).executeTakeFirst();
  if (!license) return null;
  const order = await db.selectFrom('orders').selectAll().where('id', '=', license.order_id).executeTakeFirst();
  const member = await db
    .selectFrom('members')
    .select(['id', 'email', 'status'])
    .where('email', '=', license.email.toLowerCase())
    .executeTakeFirst();
  // The order's license mails: the first one (`license:ORDER`) and every resend (`license:ORDER:resend:…`),
  // found by a range on the dedupe key's unique index.
  const key = order ? `license:${order.order_no}` : null;
  const mails = key
    ? await db
        .selectFrom('mail_outbox')
        .select(['id', 'status', 'attempts', 'created_at', 'sent_at', 'last_error', 'dedupe_key'])
        .where('dedupe_key', '>=', key)
        .where('dedupe_key', '<', successor(key))
        .orderBy('id', 'desc')
        .limit(50)
        .execute()
    : [];
  return { license, order: order ?? null, member: member ?? null, mails };
}

/** The license mail of the license's order again (its active keys), under a new dedupe key. */
export async function resendLicenseMail(
  db: Kysely<Database>,
  runtime: Runtime,
  licenseId: number,
  actor: AuditActor,
): Promise<boolean> {
  const now = runtime.now();
  return db.transaction().execute(async (trx) => {
    const license = await trx
      .selectFrom('licenses')
      .select(['id', 'order_id'])
      .where('id', '=', licenseId)
      .executeTakeFirst();
    if (!license) return false;
    const order = await trx.selectFrom('orders').selectAll().where('id', '=', license.order_id).executeTakeFirst();
    if (!order) return false;
    const keys = await trx
      .selectFrom('licenses')
      .select(['product_title', 'license_key'])
      .where('order_id', '=', order.id)
      .where('status', '=', 'active')
      .orderBy('line_no')
      .orderBy('unit_no')
      .execute();
    if (keys.length === 0) return false;
    const items = new Map<string, string[]>();
    for (const k of keys) items.set(k.product_title, [...(items.get(k.product_title) ?? []), k.license_key]);
    const params = {
      kind: 'license' as const,
      orderNo: order.order_no,
      transactionNo: order.transaction_no,
      name: order.customer_name,
      email: order.email,
      paidAt: order.paid_at ?? '',
      items: [...items].map(([title, licenseKeys]) => ({ title, keys: licenseKeys })),
    };
    const dedupeKey = `license:${order.order_no}:resend:${now}:${runtime.randomBytes(4).toString('hex')}`;
    await enqueueMail(trx, { dedupeKey, to: order.email, subject: licenseMailSubject(params), params }, now);
    await recordAudit(
      trx,
      actor,
      { action: 'license.resend_mail', target: { type: 'license', id: licenseId }, details: { dedupeKey } },
      now,
    );
    return true;
  });
}

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
