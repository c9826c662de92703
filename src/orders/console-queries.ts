import type { Kysely } from 'kysely';
import type { Database, Dialect, Order, PageQuery } from '../db/index.js';
import { keysetBound, PAGE_SIZE, paged, startsWithAny } from '../db/index.js';

/** The console's order list and order page (newest first, keyset on id like every console list). */

/** lunas: paid and not refunded · dibatalkan: refunded · anonim: the buyer's data was deleted. */
export type OrderStatusFilter = 'lunas' | 'dibatalkan' | 'anonim';
/** nyata: real sales only · uji: simulated and "Uji coba" payments only. */
export type OrderKindFilter = 'nyata' | 'uji';

export interface OrderFilter {
  search?: string | undefined;
  /** Epoch ms, inclusive / exclusive (the days are turned into times by the caller, in its zone). */
  from?: number | undefined;
  until?: number | undefined;
  /** A product title as sold (exact), or its uuid. */
  product?: string | undefined;
  status?: OrderStatusFilter | undefined;
  kind?: OrderKindFilter | undefined;
}

export type OrderListRow = Pick<
  Order,
  | 'id'
  | 'order_no'
  | 'email'
  | 'customer_name'
  | 'phone'
  | 'grand_total'
  | 'created_at'
  | 'is_test'
  | 'anonymised_at'
  | 'refunded_at'
  | 'provider'
  | 'external_ref'
> & { products: string };

function filtered(db: Kysely<Database>, dialect: Dialect, filter: OrderFilter) {
  let q = db.selectFrom('orders');
  const term = filter.search?.trim() ?? '';
  if (/^#\d{1,10}$/.test(term)) q = q.where('orders.id', '=', Number(term.slice(1)));
  else if (term !== '')
    q = q.where(startsWithAny(dialect, ['orders.email', 'orders.customer_name', 'orders.order_no'], term));
  if (filter.from !== undefined) q = q.where('orders.created_at', '>=', filter.from);
  if (filter.until !== undefined) q = q.where('orders.created_at', '<', filter.until);
  if (filter.kind) q = q.where('orders.is_test', '=', filter.kind === 'uji' ? 1 : 0);
  if (filter.status === 'anonim') q = q.where('orders.anonymised_at', 'is not', null);
  if (filter.status === 'lunas')
    q = q.where('orders.anonymised_at', 'is', null).where('orders.refunded_at', 'is', null);
  if (filter.status === 'dibatalkan') q = q.where('orders.refunded_at', 'is not', null);
  const product = filter.product;
  if (product)
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('order_items')
          .select('order_items.id')
          .whereRef('order_items.order_id', '=', 'orders.id')
          .where((w) => w.or([w('order_items.title', '=', product), w('order_items.uuid', '=', product)])),
      ),
    );
  return q;
}

const LIST_COLUMNS = [
  'orders.id',
  'orders.order_no',
  'orders.email',
  'orders.customer_name',
  'orders.phone',
  'orders.grand_total',
  'orders.created_at',
  'orders.is_test',
  'orders.refunded_at',
  'orders.anonymised_at',
  'orders.provider',
  'orders.external_ref',
] as const;

/** The items of some orders as one line each: "E-book × 2, Kelas VIP". */
/** Each order's products in one line ("Kelas Ekspor × 2, E-book"), in the order's own order. */
export async function productLines(db: Kysely<Database>, orderIds: readonly number[]): Promise<Map<number, string>> {
  const lines = new Map<number, string>();
  if (orderIds.length === 0) return lines;
  const items = await db
    .selectFrom('order_items')
    .select(['order_id', 'title', 'qty'])
    .where('order_id', 'in', [...orderIds])
    .orderBy('order_id')
    .orderBy('line_no')
    .execute();
  for (const item of items) {
    const text = item.qty > 1 ? `${item.title} × ${item.qty}` : item.title;
    const before = lines.get(item.order_id);
    lines.set(item.order_id, before ? `${before}, ${text}` : text);
  }
  return lines;
}

export async function listOrders(
  db: Kysely<Database>,
  dialect: Dialect,
  filter: OrderFilter & PageQuery,
): Promise<{ rows: OrderListRow[]; next: number | null }> {
  const limit = filter.limit ?? PAGE_SIZE;
  const rows = await filtered(db, dialect, filter)
    .select(LIST_COLUMNS)
    .where('orders.id', '<', keysetBound(filter))
    .orderBy('orders.id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = paged(rows, limit);
  const products = await productLines(
    db,
    page.rows.map((r) => r.id),
  );
  return { rows: page.rows.map((r) => ({ ...r, products: products.get(r.id) ?? '' })), next: page.next };
}

/**
 * Every order the filter matches, oldest id first, `batch` rows at a time (for the CSV export):
 * keyset batches keep memory flat however many orders there are.
 */
export async function* eachOrder(
  db: Kysely<Database>,
  dialect: Dialect,
  filter: OrderFilter,
  batch = 500,
): AsyncGenerator<OrderListRow> {
  let after = 0;
  for (;;) {
    const rows = await filtered(db, dialect, filter)
      .select(LIST_COLUMNS)
      .where('orders.id', '>', after)
      .orderBy('orders.id', 'asc')
      .limit(batch)
      .execute();
    const products = await productLines(
      db,
      rows.map((r) => r.id),
    );
    for (const row of rows) yield { ...row, products: products.get(row.id) ?? '' };
    const last = rows.at(-1);
    if (!last || rows.length < batch) return;
    after = last.id;
  }
}

/** The product titles sold so far, for the list's product filter. */
export async function soldProductTitles(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('order_items').select('title').distinct().orderBy('title').limit(500).execute();
  return rows.map((r) => r.title);
}

/** One order with everything it granted: items, licenses, the member it made, its mails and its webhook delivery. */
export async function loadOrderPage(db: Kysely<Database>, id: number) {
  const order = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!order) return null;
  const [items, licenses, members, events] = await Promise.all([
    db.selectFrom('order_items').selectAll().where('order_id', '=', id).orderBy('line_no').execute(),
    db
      .selectFrom('licenses')
      .select([
        'id',
        'license_key',
        'product_title',
        'status',
        'expires_at',
        'max_devices',
        'revoked_at',
        'revoked_reason',
      ])
      .where('order_id', '=', id)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('members')
      .select(['id', 'email', 'name', 'status', 'source_order_id'])
      .where((eb) => eb.or([eb('source_order_id', '=', id), eb('email', '=', order.email)]))
      .where('role', '=', 'member')
      .limit(2)
      .execute(),
    db
      .selectFrom('webhook_events')
      .select(['id', 'provider', 'outcome', 'received_at', 'note'])
      .where('order_id', '=', id)
      .orderBy('id')
      .execute(),
  ]);
  const member = members.find((m) => m.source_order_id === id) ?? members[0] ?? null;
  const dedupeKeys = [`license:${order.order_no}`, `member_purchase:${id}`];
  if (member?.source_order_id === id) dedupeKeys.push(`registration:${member.id}`);
  const mails = await db
    .selectFrom('mail_outbox')
    .select(['id', 'kind', 'subject', 'to_address', 'status', 'created_at', 'sent_at'])
    .where('dedupe_key', 'in', dedupeKeys)
    .orderBy('id')
    .execute();
  return { order, items, licenses, member, mails, events };
}
export type OrderPage = NonNullable<Awaited<ReturnType<typeof loadOrderPage>>>;
