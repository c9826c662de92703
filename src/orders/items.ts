import type { Kysely } from 'kysely';
import type { Database, ItemMatch } from '../db/index.js';
import { executeCompiledOnce } from '../db/index.js';

export interface OrderItemInput {
  lineNo: number;
  title: string;
  uuid: string;
  qty: number;
  price: number;
  action: 'member' | 'license';
  matchedBy: ItemMatch;
}

/** Keeps what an order contained and what the rules made of each line (in the payment's transaction). */
export async function recordOrderItems(
  db: Kysely<Database>,
  orderId: number,
  items: readonly OrderItemInput[],
  now: number,
): Promise<void> {
  if (items.length === 0) return;
  const rows = items.map((item) => ({
    order_id: orderId,
    line_no: item.lineNo,
    title: item.title,
    uuid: item.uuid,
    qty: item.qty,
    price: item.price,
    action: item.action,
    matched_by: item.matchedBy,
    created_at: now,
  }));
  // Every paid webhook: compiled once per item count.
  await executeCompiledOnce(db, `insert ${rows.length} order items`, rows.flatMap(Object.values), () =>
    db.insertInto('order_items').values(rows),
  );
}

/**
 * The product uuids among `uuids` that made members in an earlier order. A seller who renames the
 * member product in Lynk keeps its uuid: such a payment stays a membership rather than silently
 * becoming the default license.
 */
export async function memberProductUuids(db: Kysely<Database>, uuids: readonly string[]): Promise<Set<string>> {
  const wanted = [...new Set(uuids.filter((u) => u !== ''))];
  if (wanted.length === 0) return new Set();
  const { rows } = await executeCompiledOnce(db, `member product uuids ${wanted.length}`, [...wanted, 'member'], () =>
    db.selectFrom('order_items').select('uuid').distinct().where('uuid', 'in', wanted).where('action', '=', 'member'),
  );
  return new Set(rows.map((r) => r.uuid));
}

/** Lynk sends a unit price as a number or as "72,000": whole rupiah either way, 0 when unreadable. */
export function wholeRupiah(price: unknown): number {
  const n = typeof price === 'number' ? price : Number(String(price ?? '').replace(/[,.\s]/g, ''));
  return Number.isFinite(n) && n >= 0 ? Math.round(n) : 0;
}

/**
 * Real sales of products no rule knew (they fell to the default one-device license), per product.
 * The caller drops the ones a rule made since (the rule applies to the next payment).
 */
export async function unmatchedSales(
  db: Kysely<Database>,
): Promise<{ title: string; uuid: string; orders: number; lastOrderId: number }[]> {
  const rows = await db
    .selectFrom('order_items')
    .innerJoin('orders', 'orders.id', 'order_items.order_id')
    .select((eb) => [
      'order_items.title',
      'order_items.uuid',
      eb.fn.count('order_items.order_id').distinct().as('n'),
      eb.fn.max('order_items.order_id').as('last'),
    ])
    .where('order_items.matched_by', '=', 'none')
    .where('orders.is_test', '=', 0)
    .groupBy(['order_items.title', 'order_items.uuid'])
    .orderBy('last', 'desc')
    .limit(50)
    .execute();
  return rows.map((r) => ({ title: r.title, uuid: r.uuid, orders: Number(r.n), lastOrderId: Number(r.last) }));
}
