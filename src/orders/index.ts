import type { Kysely } from 'kysely';
import type { Database, Order, WebhookProvider } from '../db/index.js';
import { executeCompiledOnce } from '../db/index.js';
import { newOrderNo, newTransactionNo } from '../licenses/index.js';
import type { WebhookEventInput } from '../webhooks-out/index.js';

export type { OrderFilter, OrderKindFilter, OrderListRow, OrderPage, OrderStatusFilter } from './console-queries.js';
export { eachOrder, listOrders, loadOrderPage, productLines, soldProductTitles } from './console-queries.js';
export type { OrderItemInput } from './items.js';
export { memberProductUuids, recordOrderItems, unmatchedSales, wholeRupiah } from './items.js';
export type { RevenueReport } from './revenue.js';
export { revenueReport } from './revenue.js';

export function findOrderByRef(
  db: Kysely<Database>,
  provider: WebhookProvider,
  externalRef: string,
): Promise<Order | undefined> {
  return db
    .selectFrom('orders')
    .selectAll()
    .where('provider', '=', provider)
    .where('external_ref', '=', externalRef)
    .executeTakeFirst();
}

export interface NewOrderInput {
  provider: WebhookProvider;
  externalRef: string;
  email: string;
  customerName: string;
  phone: string;
  grandTotal: number;
  paidAt: string | null;
  isTest?: boolean;
}

/**
 * Creates the order for a payment, or returns undefined when this payment (provider + external
 * ref) already has one. ON CONFLICT DO NOTHING instead of a look-up first: one statement, and no
 * failed statement to abort a PostgreSQL transaction.
 */
export async function createOrderIfNew(
  db: Kysely<Database>,
  input: NewOrderInput,
  deps: { prefix: string; now: number; randomBytes: (n: number) => Buffer },
): Promise<Pick<Order, 'id' | 'order_no' | 'transaction_no'> | undefined> {
  const row = {
    order_no: newOrderNo(deps.prefix, deps.randomBytes),
    transaction_no: newTransactionNo(deps.prefix, deps.randomBytes),
    provider: input.provider,
    external_ref: input.externalRef,
    email: input.email,
    customer_name: input.customerName,
    phone: input.phone,
    grand_total: input.grandTotal,
    paid_at: input.paidAt,
    created_at: deps.now,
    is_test: input.isTest ? 1 : 0,
  };
  const result = await executeCompiledOnce(db, 'insert order if new', Object.values(row), () =>
    db
      .insertInto('orders')
      .values(row)
      .onConflict((oc) => oc.columns(['provider', 'external_ref']).doNothing())
      .returning(['id', 'order_no', 'transaction_no']),
  );
  return result.rows[0];
}

/** What an `order.paid` event says: the order, the buyer and what was bought (never a key or secret). */
export function orderPaidEvent(
  order: Pick<Order, 'id' | 'order_no' | 'transaction_no'>,
  paid: {
    provider: WebhookProvider;
    refId: string;
    email: string;
    name: string;
    phone: string;
    grandTotal: number;
    paidAt: string | null;
    items: { title: string; uuid: string; qty: number }[];
  },
): WebhookEventInput {
  return {
    type: 'order.paid',
    data: () => ({
      order: {
        id: order.id,
        order_no: order.order_no,
        transaction_no: order.transaction_no,
        provider: paid.provider,
        ref_id: paid.refId,
        grand_total: paid.grandTotal,
        paid_at: paid.paidAt,
      },
      customer: { email: paid.email, name: paid.name, phone: paid.phone },
      items: paid.items,
    }),
  };
}

export { openBuyerAccount } from './buyer-account.js';
export type { AdminEmailChange, EmailChangeRequest, EmailConfirmResult } from './email-change.js';
export { changeEmailByAdmin, confirmEmailChange, requestEmailChange } from './email-change.js';
export { queueMembershipReminders, REMINDER_DAYS } from './membership-reminders.js';
export type { RefundResult } from './refund.js';
export { MEMBERSHIP_ENDED_MESSAGE, ordersOfEmail, REFUND_REASON_MAX, refundOrder } from './refund.js';
