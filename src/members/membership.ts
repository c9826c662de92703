import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';

/**
 * Memberships over time. Lynk sells memberships as separate products (monthly, yearly, lifetime)
 * and knows no subscriptions, so every paid membership product adds a grant: its days (none =
 * lifetime) counted from the payment, or from the current end while the membership still runs (a
 * renewal before the end loses no day). The end is always computed again from the grants that
 * stand, so a refund takes back exactly what its order gave.
 */

const DAY_MS = 86_400_000;

export type MembershipState =
  | { kind: 'none' }
  | { kind: 'active'; endsAt: number | null }
  | { kind: 'expired'; endsAt: number };

/** What the account holds now: no membership (a buyer of licenses), a running one, or one that ended. */
export function membershipState(
  member: { is_member: number; membership_ends_at: number | null },
  now: number,
): MembershipState {
  if (member.is_member !== 1) return { kind: 'none' };
  const endsAt = member.membership_ends_at === null ? null : Number(member.membership_ends_at);
  if (endsAt !== null && endsAt <= now) return { kind: 'expired', endsAt };
  return { kind: 'active', endsAt };
}

export async function memberMembership(db: Kysely<Database>, memberId: number, now: number): Promise<MembershipState> {
  const row = await db
    .selectFrom('members')
    .select(['is_member', 'membership_ends_at'])
    .where('id', '=', memberId)
    .executeTakeFirst();
  return row ? membershipState(row, now) : { kind: 'none' };
}

/** The end the grants give, in payment order: null days is lifetime; no grant is no membership. */
export function foldGrants(grants: readonly { days: number | null; paid_at: number }[]): {
  isMember: boolean;
  endsAt: number | null;
} {
  if (grants.length === 0) return { isMember: false, endsAt: null };
  if (grants.some((g) => g.days === null)) return { isMember: true, endsAt: null };
  let end = 0;
  for (const g of grants) end = Math.max(end, Number(g.paid_at)) + (g.days ?? 0) * DAY_MS;
  return { isMember: true, endsAt: end };
}

/** Writes the membership the standing grants give; returns it. Inside the caller's transaction. */
export async function recomputeMembership(
  db: Kysely<Database>,
  memberId: number,
  now: number,
): Promise<{ isMember: boolean; endsAt: number | null }> {
  const grants = await db
    .selectFrom('membership_grants')
    .select(['days', 'paid_at'])
    .where('member_id', '=', memberId)
    .where('revoked_at', 'is', null)
    .orderBy('paid_at')
    .orderBy('id')
    .execute();
  const result = foldGrants(grants);
  await db
    .updateTable('members')
    .set({ is_member: result.isMember ? 1 : 0, membership_ends_at: result.endsAt, updated_at: now })
    .where('id', '=', memberId)
    .execute();
  return result;
}

export interface NewGrant {
  memberId: number;
  orderId: number | null;
  productTitle: string;
  days: number | null;
  renewUrl: string | null;
  paidAt: number;
}

/**
 * Adds membership time and returns the new end (null: lifetime). A member from before memberships
 * could end (or one made by hand) holds lifetime without a grant: that is written down as a grant
 * first, so a later monthly purchase does not shorten it.
 */
export async function grantMembership(
  db: Kysely<Database>,
  grant: NewGrant,
  now: number,
): Promise<{ endsAt: number | null }> {
  const member = await db
    .selectFrom('members')
    .select(['is_member', 'membership_ends_at', 'created_at'])
    .where('id', '=', grant.memberId)
    .executeTakeFirstOrThrow();
  const held = await db
    .selectFrom('membership_grants')
    .select('id')
    .where('member_id', '=', grant.memberId)
    .limit(1)
    .executeTakeFirst();
  if (!held && member.is_member === 1 && member.membership_ends_at === null)
    await db
      .insertInto('membership_grants')
      .values({
        member_id: grant.memberId,
        order_id: null,
        product_title: 'Member',
        days: null,
        renew_url: null,
        paid_at: Number(member.created_at),
        created_at: now,
        revoked_at: null,
      })
      .execute();
  await db
    .insertInto('membership_grants')
    .values({
      member_id: grant.memberId,
      order_id: grant.orderId,
      product_title: grant.productTitle,
      days: grant.days,
      renew_url: grant.renewUrl,
      paid_at: grant.paidAt,
      created_at: now,
      revoked_at: null,
    })
    .execute();
  const { endsAt } = await recomputeMembership(db, grant.memberId, now);
  return { endsAt };
}

/** Takes back what an order gave; returns the grants revoked (their days) and the membership after. */
export async function revokeOrderMembership(
  db: Kysely<Database>,
  orderId: number,
  now: number,
): Promise<{ memberId: number; days: (number | null)[]; after: MembershipState } | null> {
  const grants = await db
    .selectFrom('membership_grants')
    .select(['id', 'member_id', 'days'])
    .where('order_id', '=', orderId)
    .where('revoked_at', 'is', null)
    .execute();
  const first = grants[0];
  if (!first) return null;
  await db
    .updateTable('membership_grants')
    .set({ revoked_at: now })
    .where(
      'id',
      'in',
      grants.map((g) => g.id),
    )
    .execute();
  const result = await recomputeMembership(db, first.member_id, now);
  return {
    memberId: first.member_id,
    days: grants.map((g) => g.days),
    after: membershipState({ is_member: result.isMember ? 1 : 0, membership_ends_at: result.endsAt }, now),
  };
}

/** The renewal page of the member's latest membership product (the reminder mails and the renewal page). */
export async function renewUrlOf(
  db: Kysely<Database>,
  memberId: number,
): Promise<{ title: string; url: string | null }> {
  const row = await db
    .selectFrom('membership_grants')
    .select(['product_title', 'renew_url'])
    .where('member_id', '=', memberId)
    .where('revoked_at', 'is', null)
    .orderBy('paid_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return { title: row?.product_title ?? 'Member', url: row?.renew_url ?? null };
}

/** Members whose membership ends within (from, to], soonest first: the reminders and the console's list. */
export function membersEndingBetween(db: Kysely<Database>, from: number, to: number, limit = 500) {
  return db
    .selectFrom('members')
    .select(['id', 'email', 'name', 'phone', 'membership_ends_at'])
    .where('is_member', '=', 1)
    .where('role', '=', 'member')
    .where('membership_ends_at', '>', from)
    .where('membership_ends_at', '<=', to)
    .orderBy('membership_ends_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}
