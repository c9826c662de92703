import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/index.js';
import { isoDay, startOfDay } from '../shared/zoned-day.js';

const DAY_MS = 86_400_000;

export interface RevenueReport {
  /** Oldest first: one entry per calendar day in the seller's zone, today last. */
  days: { day: string; start: number; total: number; orders: number }[];
  /** Largest first. */
  products: { title: string; total: number; units: number }[];
  total: number;
}

/**
 * Revenue of the last `days` days (today included), per day and per product. Only real sales:
 * simulated and "Uji coba" payments (is_test) and refunded orders never count. Days are fixed 24-hour buckets from
 * midnight in the seller's zone (Indonesia keeps no daylight saving time).
 */
export async function revenueReport(
  db: Kysely<Database>,
  now: number,
  timeZone: string,
  days = 30,
): Promise<RevenueReport> {
  const today = startOfDay(now, timeZone);
  const from = today - (days - 1) * DAY_MS;
  const bucket = sql<number>`cast((${sql.ref('orders.created_at')} - ${from}) / ${DAY_MS} as integer)`;
  const [perDay, perProduct] = await Promise.all([
    db
      .selectFrom('orders')
      .select((eb) => [bucket.as('bucket'), eb.fn.sum('grand_total').as('total'), eb.fn.countAll().as('n')])
      .where('created_at', '>=', from)
      .where('is_test', '=', 0)
      // A refunded order's money went back.
      .where('refunded_at', 'is', null)
      // By position: PostgreSQL would see the expression twice with different parameters.
      .groupBy(sql`1`)
      .execute(),
    db
      .selectFrom('order_items')
      .innerJoin('orders', 'orders.id', 'order_items.order_id')
      .select((eb) => [
        'order_items.title',
        sql<number>`sum(${sql.ref('order_items.price')} * ${sql.ref('order_items.qty')})`.as('total'),
        eb.fn.sum('order_items.qty').as('units'),
      ])
      .where('orders.created_at', '>=', from)
      .where('orders.is_test', '=', 0)
      .where('orders.refunded_at', 'is', null)
      .groupBy('order_items.title')
      .execute(),
  ]);
  const byBucket = new Map(perDay.map((r) => [Number(r.bucket), r]));
  const series = Array.from({ length: days }, (_, i) => {
    const start = from + i * DAY_MS;
    const row = byBucket.get(i);
    return {
      day: isoDay(start + DAY_MS / 2, timeZone),
      start,
      total: Number(row?.total ?? 0),
      orders: Number(row?.n ?? 0),
    };
  });
  const products = perProduct
    .map((r) => ({ title: r.title, total: Number(r.total ?? 0), units: Number(r.units ?? 0) }))
    .sort((a, b) => b.total - a.total || a.title.localeCompare(b.title));
  return { days: series, products, total: series.reduce((sum, d) => sum + d.total, 0) };
}
