import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';

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

/** Midnight of today in the seller's time zone, as epoch ms. */
export function startOfDay(now: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(now)
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  const y = parts.year ?? 1970;
  const m = (parts.month ?? 1) - 1;
  const d = parts.day ?? 1;
  const wall = Date.UTC(y, m, d, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  const offset = wall - Math.floor(now / 1000) * 1000;
  return Date.UTC(y, m, d) - offset;
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
