import type { Order } from '../../db/index.js';
import { REFUND_REASON_MAX } from '../../orders/index.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import { when } from './shell.js';

/** What the refund form needs of an order. */
export type RefundableOrder = Pick<Order, 'id' | 'order_no' | 'refunded_at' | 'refund_reason'>;

/**
 * "Refund / batalkan" for one order: the reason (mailed to the buyer, kept in the audit log) and a
 * confirmation, since nothing of what the order granted comes back. A refunded order shows when
 * and why instead. `returnTo`: the console page to come back to.
 */
export function refundForm(order: RefundableOrder, csrf: string, tz: string, returnTo: string): SafeHtml {
  if (order.refunded_at !== null)
    return html`<p class="muted" id="refunded-${order.id}">Dibatalkan ${when(order.refunded_at, tz)}: ${order.refund_reason ?? '-'}</p>`;
  return html`<details id="refund-${order.id}"><summary>Refund / batalkan</summary>
<form method="post" action="/admin/pesanan/${order.id}/refund" class="stack">
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="kembali" value="${returnTo}">
<p class="muted">Semua yang diberikan order ${order.order_no} dicabut: kunci lisensinya berhenti berlaku dan masa aktif member dari order ini dikurangi. Pembeli menerima email berisi alasan ini. Tindakan ini tidak bisa dibatalkan.</p>
<label for="refund-reason-${order.id}">Alasan</label>
<textarea id="refund-reason-${order.id}" name="alasan" class="reason" required maxlength="${String(REFUND_REASON_MAX)}"></textarea>
<label><input type="checkbox" name="yakin" value="ya" required> Saya yakin</label>
<button type="submit" class="danger" id="refund-submit-${order.id}">Refund dan cabut akses</button>
</form></details>`;
}
