import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Runtime } from '../clock.js';
import type { Database } from '../db/index.js';
import { enqueueMail, licenseMailSubject } from '../mail/index.js';

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
