import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { unmatchedSales } from '../orders/index.js';
import type { ProductCatalog } from '../products/index.js';
import { resolveProductAction, storedProductRules, withStoredRules } from '../products/index.js';
import { startOfDay } from '../shared/zoned-day.js';

export { startOfDay };

/** "Online" = a live session that made a request this recently (sessions record it at most each minute). */
export const ONLINE_WINDOW_MS = 5 * 60_000; // 5 minutes

export interface Overview {
  dayStart: number;
  paymentsToday: number;
  revenueToday: number;
  licensesToday: number;
  newMembersToday: number;
  failedEvents: number;
  mailsWaiting: number;
  mailsFailed: number;
  /** Distinct members (not admins) with a live session seen within ONLINE_WINDOW_MS (all instances: from the database). */
  membersOnline: number;
}

/** The overview's numbers: each one count over an index (no table scans at a million rows). */
export async function loadOverview(db: Kysely<Database>, now: number, timeZone: string): Promise<Overview> {
  const dayStart = startOfDay(now, timeZone);
  const count = (n: unknown) => Number(n ?? 0);
  const [payments, licenses, members, failed, mailsWaiting, mailsFailed, online] = await Promise.all([
    db
      .selectFrom('orders')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('grand_total').as('total')])
      .where('created_at', '>=', dayStart)
      // Simulated and "Uji coba" payments are not sales, nor refunded ones.
      .where('is_test', '=', 0)
      .where('refunded_at', 'is', null)
      .executeTakeFirst(),
    db
      .selectFrom('licenses')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('created_at', '>=', dayStart)
      .executeTakeFirst(),
    db
      .selectFrom('members')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('created_at', '>=', dayStart)
      .where('role', '=', 'member')
      // Buyers of licenses have accounts too; "new members" are memberships.
      .where('is_member', '=', 1)
      .executeTakeFirst(),
    db
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('outcome', '=', 'failed')
      .executeTakeFirst(),
    db
      .selectFrom('mail_outbox')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', 'in', ['pending', 'sending'])
      .executeTakeFirst(),
    db
      .selectFrom('mail_outbox')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', 'failed')
      .executeTakeFirst(),
    db
      .selectFrom('sessions')
      .innerJoin('members', 'members.id', 'sessions.member_id')
      .select((eb) => eb.fn.count('sessions.member_id').distinct().as('n'))
      .where('sessions.last_seen_at', '>', now - ONLINE_WINDOW_MS)
      .where('sessions.revoked_at', 'is', null)
      .where('sessions.idle_expires_at', '>', now)
      // Admins at the console are not "members online".
      .where('members.role', '=', 'member')
      .executeTakeFirst(),
  ]);
  return {
    dayStart,
    paymentsToday: count(payments?.n),
    revenueToday: count(payments?.total),
    licensesToday: count(licenses?.n),
    newMembersToday: count(members?.n),
    failedEvents: count(failed?.n),
    mailsWaiting: count(mailsWaiting?.n),
    mailsFailed: count(mailsFailed?.n),
    membersOnline: count(online?.n),
  };
}

export interface UnmatchedProduct {
  title: string;
  uuid: string;
  orders: number;
}

/**
 * Paid products that no rule knew (each became the default one-device license) and that still
 * have no rule: the seller decides once with "buat aturan", and the next payment follows it.
 */
export async function productsWithoutRule(db: Kysely<Database>, env: ProductCatalog): Promise<UnmatchedProduct[]> {
  const [sales, stored] = await Promise.all([unmatchedSales(db), storedProductRules(db)]);
  const catalog = withStoredRules(env, stored);
  return sales
    .filter((s) => resolveProductAction(catalog, s).matchedBy === 'none')
    .map(({ title, uuid, orders }) => ({ title, uuid, orders }));
}
