import type { Kysely } from 'kysely';
import type { Database, Member } from '../db/index.js';
import { createMemberIfAbsent, NO_PASSWORD } from '../members/index.js';

/**
 * The account of someone who bought with this address before buyers of licenses got one (or whose
 * account was removed): made when they ask for a login link, so every buyer can reach "Lisensi
 * saya". An address that never paid gets nothing (and the caller answers the same either way).
 */
export async function openBuyerAccount(db: Kysely<Database>, email: string, now: number): Promise<Member | undefined> {
  const order = await db
    .selectFrom('orders')
    .select(['id', 'customer_name', 'phone'])
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email))
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!order) return undefined;
  const { member } = await createMemberIfAbsent(
    db,
    {
      email,
      name: order.customer_name,
      phone: order.phone,
      passwordHash: NO_PASSWORD,
      sourceOrderId: order.id,
      membership: false,
    },
    now,
  );
  return member;
}
