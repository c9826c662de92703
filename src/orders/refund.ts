import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Database, Order } from '../db/index.js';
import type { Result } from '../errors.js';
import type { LicenseDeps } from '../licenses/index.js';
import { revokeLicenseIn } from '../licenses/index.js';
import { enqueueMail, refundMailSubject } from '../mail/index.js';
import { revokeOrderMembership } from '../members/index.js';
import type { RealtimeEvent } from '../realtime/index.js';
import { recordRealtimeEvents } from '../realtime/index.js';

/**
 * "Refund / batalkan". Lynk sends no refund or cancellation event, so the seller records it here:
 * everything the order granted is taken back in one commit — its licenses revoked (their open
 * pages close), its membership time removed (the end is computed again from the other purchases;
 * a member left without time sees the renewal page at once) — the buyer is mailed the reason, and
 * the audit log keeps who did it and why.
 */

export const REFUND_REASON_MAX = 500;

/** What a member's open member pages are told when a refund ends their membership. */
export const MEMBERSHIP_ENDED_MESSAGE = 'Keanggotaan Anda dicabut karena pesanan dibatalkan (refund).';

export type RefundResult = Result<
  { licenses: number; membership: number | 'lifetime' | null },
  'NOT_FOUND' | 'ALREADY_REFUNDED'
>;

export async function refundOrder(
  deps: LicenseDeps & { onMailQueued?: (() => void) | undefined },
  orderId: number,
  reason: string,
  actor: AuditActor,
): Promise<RefundResult> {
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const now = deps.runtime.now();
    const order = await trx.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
    if (!order) return { ok: false, code: 'NOT_FOUND' } as const;
    // The one statement that decides: of two refunds racing, only one finds it unrefunded.
    const marked = await trx
      .updateTable('orders')
      .set({ refunded_at: now, refund_reason: reason })
      .where('id', '=', orderId)
      .where('refunded_at', 'is', null)
      .executeTakeFirst();
    if (marked.numUpdatedRows === 0n) return { ok: false, code: 'ALREADY_REFUNDED' } as const;

    const events: RealtimeEvent[] = [];
    let queued = 0;
    const licenses = await trx
      .selectFrom('licenses')
      .select(['id', 'email', 'license_key', 'status'])
      .where('order_id', '=', orderId)
      .orderBy('id')
      .execute();
    const revokedKeys: string[] = [];
    for (const license of licenses) {
      const revoked = await revokeLicenseIn(trx, deps, license, actor, `refund: ${reason}`, now);
      if (!revoked) continue;
      revokedKeys.push(license.license_key);
      events.push(...revoked.events);
      queued += revoked.queued;
    }

    const membership = await revokeOrderMembership(trx, orderId, now);
    const taken = membership
      ? membership.days.includes(null)
        ? ('lifetime' as const)
        : membership.days.reduce<number>((sum, d) => sum + (d ?? 0), 0)
      : null;
    if (membership && membership.after.kind !== 'active')
      events.push(
        ...(await recordRealtimeEvents(
          trx,
          [
            {
              memberId: membership.memberId,
              deviceId: null,
              kind: 'membership.ended',
              data: { reason: 'refund', at: now, message: MEMBERSHIP_ENDED_MESSAGE },
            },
          ],
          now,
        )),
      );

    await enqueueMail(trx, refundMail(order, reason, revokedKeys, taken), now);
    await recordAudit(
      trx,
      actor,
      {
        action: 'order.refund',
        target: { type: 'order', id: orderId },
        details: { orderNo: order.order_no, reason, licenses: revokedKeys.length, membership: taken },
      },
      now,
    );
    return { ok: true, events, queued, licenses: revokedKeys.length, membership: taken } as const;
  });
  if (!outcome.ok) return outcome;
  // After the commit only: a rollback must never have been announced.
  if (outcome.events.length > 0) deps.bus.publish(outcome.events);
  if (outcome.queued > 0) deps.onWebhookQueued?.();
  deps.onMailQueued?.();
  return { ok: true, licenses: outcome.licenses, membership: outcome.membership };
}

function refundMail(order: Order, reason: string, licenseKeys: string[], membership: number | 'lifetime' | null) {
  const params = {
    kind: 'refund' as const,
    name: order.customer_name,
    email: order.email,
    orderNo: order.order_no,
    reason,
    licenseKeys,
    membership,
  };
  return { dedupeKey: `refund:${order.id}`, to: order.email, subject: refundMailSubject(params), params };
}

/** The orders a member paid with their address, newest first (the console's member page lists them). */
export function ordersOfEmail(db: Kysely<Database>, email: string, limit = 100) {
  return db
    .selectFrom('orders')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
