import type { Kysely } from 'kysely';
import type { LiveSession } from '../auth/index.js';
import type { ContentProduct, Database, License } from '../db/index.js';
import { deviceActivation, licenseState, memberLicense } from '../licenses/index.js';
import { memberMembership } from '../members/index.js';
import type { ProductCatalog } from '../products/index.js';
import { resolveProductAction } from '../products/index.js';
import type { Holder } from './signed-url.js';
import type { BuyerStamp } from './stamp.js';
import type { ItemWithFile } from './store.js';
import { contentProductFor, findItem, listContentProducts, listItems } from './store.js';

/**
 * Who may see which content. A licensed product's content is for the license's buyer, on a device
 * the license is activated on, while it is neither revoked nor expired. A membership product's
 * content is for accounts whose membership runs now: a buyer of licenses only has an account too,
 * and a membership can end (the session guard already refuses disabled accounts).
 */

/** Whether a content product is a membership's: its uuid or title resolves to "member" today. */
export function isMembershipProduct(catalog: ProductCatalog, product: ContentProduct): boolean {
  return (
    resolveProductAction(catalog, { uuid: product.match_uuid ?? '', title: product.match_title ?? '' }).action ===
    'member'
  );
}

/** The membership products with content, and their items in order. */
export async function membershipContent(db: Kysely<Database>, catalog: ProductCatalog) {
  const products = (await listContentProducts(db)).filter((p) => isMembershipProduct(catalog, p));
  const items = await listItems(
    db,
    products.map((p) => p.id),
  );
  return products.map((product) => ({ product, items: items.filter((i) => i.product_id === product.id) }));
}

/** A license's content (null: no content configured for its product, the plain product page). */
export async function licenseContent(
  db: Kysely<Database>,
  license: Pick<License, 'product_uuid' | 'product_title'>,
): Promise<{ product: ContentProduct; items: ItemWithFile[] } | null> {
  const product = await contentProductFor(db, { uuid: license.product_uuid, title: license.product_title });
  if (!product) return null;
  return { product, items: await listItems(db, [product.id]) };
}

export type ItemAccess =
  | {
      kind: 'ok';
      item: NonNullable<Awaited<ReturnType<typeof findItem>>>;
      holder: Holder;
      buyer: () => Promise<BuyerStamp>;
    }
  | { kind: 'not_found' }
  | { kind: 'revoked' }
  | { kind: 'expired' }
  /** A membership item, but the account's membership ended (or it never had one). */
  | { kind: 'membership_ended' }
  /** The license is the member's and usable, but not activated on this browser (or taken over). */
  | { kind: 'not_open' };

/**
 * May this session have this item as `holder`'s copy? Another member's license, an item of another
 * product, or a membership item asked for as someone else answer exactly like a missing item.
 */
export async function itemAccess(
  deps: { db: Kysely<Database>; catalog: () => Promise<ProductCatalog>; now: number },
  member: LiveSession,
  itemId: number,
  holder: Holder,
): Promise<ItemAccess> {
  const { db } = deps;
  const item = await findItem(db, itemId);
  if (!item) return { kind: 'not_found' };
  if (holder.kind === 'member') {
    if (holder.id !== member.memberId) return { kind: 'not_found' };
    const product = await db
      .selectFrom('content_products')
      .selectAll()
      .where('id', '=', item.product_id)
      .executeTakeFirst();
    if (!product || !isMembershipProduct(await deps.catalog(), product)) return { kind: 'not_found' };
    if ((await memberMembership(db, member.memberId, deps.now)).kind !== 'active') return { kind: 'membership_ended' };
    return { kind: 'ok', item, holder, buyer: () => memberBuyer(db, member.memberId) };
  }
  const license = await memberLicense(db, member.email, holder.id);
  if (!license) return { kind: 'not_found' };
  const product = await contentProductFor(db, { uuid: license.product_uuid, title: license.product_title });
  if (product?.id !== item.product_id) return { kind: 'not_found' };
  const state = licenseState(license, deps.now);
  if (state !== 'active') return { kind: state };
  if (!(await deviceActivation(db, license.id, member.deviceId))) return { kind: 'not_open' };
  return { kind: 'ok', item, holder, buyer: () => licenseBuyer(db, license) };
}

async function licenseBuyer(db: Kysely<Database>, license: License): Promise<BuyerStamp> {
  const order = await db
    .selectFrom('orders')
    .select(['order_no', 'customer_name'])
    .where('id', '=', license.order_id)
    .executeTakeFirst();
  return { name: order?.customer_name ?? '', email: license.email, orderNo: order?.order_no ?? '-' };
}

async function memberBuyer(db: Kysely<Database>, memberId: number): Promise<BuyerStamp> {
  const row = await db
    .selectFrom('members')
    .leftJoin('orders', 'orders.id', 'members.source_order_id')
    .select(['members.name', 'members.email', 'orders.order_no'])
    .where('members.id', '=', memberId)
    .executeTakeFirstOrThrow();
  return { name: row.name, email: row.email, orderNo: row.order_no ?? '-' };
}
