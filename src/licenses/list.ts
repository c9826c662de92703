import type { Kysely } from 'kysely';
import type { Database, Dialect, PageQuery } from '../db/index.js';
import { equalsKey, keysetBound, PAGE_SIZE, paged, startsWithAny, successor } from '../db/index.js';

/**
 * Licenses as operators and members look them up: each with the number of the order it was issued
 * for. The console, the CLI and the member area all read them through `licensesWithOrder`.
 */

function licensesWithOrder(db: Kysely<Database>) {
  return db
    .selectFrom('licenses')
    .innerJoin('orders', 'orders.id', 'licenses.order_id')
    .select([
      'licenses.id',
      'licenses.license_key',
      'licenses.email',
      'licenses.product_title',
      'licenses.product_uuid',
      'licenses.status',
      'licenses.max_devices',
      'licenses.on_limit',
      'licenses.expires_at',
      'licenses.lynk_ref_id',
      'orders.order_no',
      'licenses.created_at',
    ])
    .orderBy('licenses.id', 'desc');
}

export interface LicenseListFilter {
  /** Anywhere in the key, email or product title (`gerbang licenses list --search`). */
  search?: string;
  /** Only the licenses bought with this email (a member's own, "Lisensi saya"). */
  email?: string;
  limit?: number;
}

/** The newest licenses, for the CLI and a member's own page. */
export function listLicenses(db: Kysely<Database>, filter: LicenseListFilter = {}) {
  let q = licensesWithOrder(db).limit(filter.limit ?? 100);
  if (filter.email) {
    // Buyers type their address in any case at checkout; members are stored lower-case.
    const email = filter.email.toLowerCase();
    q = q.where((eb) => eb(eb.fn('lower', ['licenses.email']), '=', email));
  }
  if (filter.search) {
    // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
    const like = `%${filter.search.toLowerCase()}%`;
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['licenses.license_key']), 'like', like),
        eb(eb.fn('lower', ['licenses.email']), 'like', like),
        eb(eb.fn('lower', ['licenses.product_title']), 'like', like),
      ]),
    );
  }
  return q.execute();
}

/** The licenses bought with an address, newest first, in any case (a member's page in the console). */
export function licensesBoughtWith(db: Kysely<Database>, dialect: Dialect, email: string) {
  return db
    .selectFrom('licenses')
    .select(['id', 'license_key', 'product_title', 'status', 'expires_at', 'created_at', 'order_id'])
    .where(equalsKey(dialect, 'licenses.email', email))
    .orderBy('id', 'desc')
    .limit(200)
    .execute();
}

/**
 * The console's list: a page at a time, searched by the start of the key, email or product title
 * (an index range each, see src/db/search-key.ts), so it stays fast at a million licenses.
 */
export async function searchLicenses(
  db: Kysely<Database>,
  dialect: Dialect,
  query: PageQuery & { search?: string | undefined },
) {
  const limit = query.limit ?? PAGE_SIZE;
  const term = query.search?.trim() ?? '';
  let q = licensesWithOrder(db)
    .where('licenses.id', '<', keysetBound(query))
    .limit(limit + 1);
  if (term !== '')
    q = q.where(startsWithAny(dialect, ['licenses.license_key', 'licenses.email', 'licenses.product_title'], term));
  return paged(await q.execute(), limit);
}

/** One license with its order, its buyer's account and the license mails of that order. */
export async function licenseDetail(db: Kysely<Database>, id: number) {
  const license = await db.selectFrom('licenses').selectAll().where('id', '=', id).executeTakeFirst();
  if (!license) return null;
  const order = await db.selectFrom('orders').selectAll().where('id', '=', license.order_id).executeTakeFirst();
  const member = await db
    .selectFrom('members')
    .select(['id', 'email', 'status'])
    .where('email', '=', license.email.toLowerCase())
    .executeTakeFirst();
  // The order's license mails: the first one (`license:ORDER`) and every resend (`license:ORDER:resend:…`),
  // found by a range on the dedupe key's unique index.
  const key = order ? `license:${order.order_no}` : null;
  const mails = key
    ? await db
        .selectFrom('mail_outbox')
        .select(['id', 'status', 'attempts', 'created_at', 'sent_at', 'last_error', 'dedupe_key'])
        .where('dedupe_key', '>=', key)
        .where('dedupe_key', '<', successor(key))
        .orderBy('id', 'desc')
        .limit(50)
        .execute()
    : [];
  return { license, order: order ?? null, member: member ?? null, mails };
}
