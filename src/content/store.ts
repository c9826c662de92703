import type { Kysely } from 'kysely';
import type { ContentItem, ContentItemKind, ContentProduct, Database } from '../db/index.js';
import type { Holder } from './signed-url.js';
import { databaseStorage } from './storage.js';

/** Queries of product content: products, their ordered items, and per-holder deliveries. */

export interface ItemWithFile extends ContentItem {
  file_name: string | null;
  file_size: number | null;
  file_mime: string | null;
}

export function listContentProducts(db: Kysely<Database>) {
  return db
    .selectFrom('content_products')
    .selectAll('content_products')
    .select((eb) =>
      eb
        .selectFrom('content_items')
        .select((inner) => inner.fn.countAll<number>().as('n'))
        .whereRef('content_items.product_id', '=', 'content_products.id')
        .as('item_count'),
    )
    .orderBy('id')
    .execute();
}

export function findContentProduct(db: Kysely<Database>, id: number) {
  return db.selectFrom('content_products').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The content of a licensed product: a uuid match wins over a title match, as in product rules. */
export async function contentProductFor(
  db: Kysely<Database>,
  product: { uuid: string; title: string },
): Promise<ContentProduct | null> {
  if (product.uuid) {
    const byUuid = await db
      .selectFrom('content_products')
      .selectAll()
      .where('match_uuid', '=', product.uuid)
      .executeTakeFirst();
    if (byUuid) return byUuid;
  }
  const byTitle = await db
    .selectFrom('content_products')
    .selectAll()
    .where('match_title', '=', product.title)
    .executeTakeFirst();
  return byTitle ?? null;
}

export type SaveProductResult = { ok: true; id: number } | { ok: false; reason: 'DUPLICATE' };

export async function createContentProduct(
  db: Kysely<Database>,
  input: { uuid: string | null; title: string | null; name: string },
  now: number,
): Promise<SaveProductResult> {
  // Checked first rather than caught: on PostgreSQL a failed insert aborts the caller's transaction.
  const clash = await db
    .selectFrom('content_products')
    .select('id')
    .where((eb) => (input.uuid !== null ? eb('match_uuid', '=', input.uuid) : eb('match_title', '=', input.title)))
    .executeTakeFirst();
  if (clash) return { ok: false, reason: 'DUPLICATE' };
  const row = await db
    .insertInto('content_products')
    .values({ match_uuid: input.uuid, match_title: input.title, name: input.name, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ok: true, id: row.id };
}

export function listItems(db: Kysely<Database>, productIds: readonly number[]): Promise<ItemWithFile[]> {
  if (productIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('content_items')
    .leftJoin('content_files', 'content_files.id', 'content_items.file_id')
    .selectAll('content_items')
    .select(['content_files.name as file_name', 'content_files.size as file_size', 'content_files.mime as file_mime'])
    .where('content_items.product_id', 'in', productIds)
    .orderBy('content_items.product_id')
    .orderBy('content_items.position')
    .orderBy('content_items.id')
    .execute();
}

export function findItem(db: Kysely<Database>, id: number) {
  return db
    .selectFrom('content_items')
    .innerJoin('content_products', 'content_products.id', 'content_items.product_id')
    .selectAll('content_items')
    .select(['content_products.match_uuid', 'content_products.match_title'])
    .where('content_items.id', '=', id)
    .executeTakeFirst();
}

export interface NewItem {
  kind: ContentItemKind;
  title: string;
  url?: string | null;
  sourceUrl?: string | null;
  body?: string | null;
  fileId?: number | null;
}

/** Appends an item at the end of the product's list. */
export async function addItem(db: Kysely<Database>, productId: number, item: NewItem, now: number): Promise<number> {
  const last = await db
    .selectFrom('content_items')
    .select((eb) => eb.fn.max('position').as('max'))
    .where('product_id', '=', productId)
    .executeTakeFirst();
  const row = await db
    .insertInto('content_items')
    .values({
      product_id: productId,
      position: Number(last?.max ?? 0) + 1,
      kind: item.kind,
      title: item.title,
      url: item.url ?? null,
      source_url: item.sourceUrl ?? null,
      body: item.body ?? null,
      file_id: item.fileId ?? null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateItem(
  db: Kysely<Database>,
  id: number,
  patch: {
    title: string;
    url?: string | null | undefined;
    sourceUrl?: string | null | undefined;
    body?: string | null | undefined;
  },
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('content_items')
    .set({
      title: patch.title,
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.sourceUrl !== undefined ? { source_url: patch.sourceUrl } : {}),
      ...(patch.body !== undefined ? { body: patch.body } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Swaps the item with its neighbour above (-1) or below (+1); false at either end or when missing. */
export async function moveItem(db: Kysely<Database>, id: number, direction: -1 | 1, now: number): Promise<boolean> {
  const item = await db.selectFrom('content_items').selectAll().where('id', '=', id).executeTakeFirst();
  if (!item) return false;
  const siblings = await db
    .selectFrom('content_items')
    .select(['id', 'position'])
    .where('product_id', '=', item.product_id)
    .orderBy('position')
    .orderBy('id')
    .execute();
  const at = siblings.findIndex((s) => s.id === id);
  const other = siblings[at + direction];
  if (!other) return false;
  // Positions are rewritten as 1..n: equal positions (two items added at once) would not swap.
  const order = siblings.map((s) => s.id);
  order[at] = other.id;
  order[at + direction] = id;
  for (const [index, itemId] of order.entries())
    await db
      .updateTable('content_items')
      .set({ position: index + 1, updated_at: now })
      .where('id', '=', itemId)
      .execute();
  return true;
}

/** Deletes items with their files (the upload and every buyer's stamped copy). */
export async function removeItems(db: Kysely<Database>, itemIds: readonly number[]): Promise<number> {
  if (itemIds.length === 0) return 0;
  const items = await db.selectFrom('content_items').select('file_id').where('id', 'in', itemIds).execute();
  const stamped = await db
    .selectFrom('content_deliveries')
    .select('stamped_file_id')
    .where('item_id', 'in', itemIds)
    .execute();
  const files = [...items.map((i) => i.file_id), ...stamped.map((d) => d.stamped_file_id)].filter(
    (id): id is number => id !== null,
  );
  await db.deleteFrom('content_deliveries').where('item_id', 'in', itemIds).execute();
  await db.deleteFrom('content_items').where('id', 'in', itemIds).execute();
  await databaseStorage(db).remove(files);
  return items.length;
}

export async function removeContentProduct(db: Kysely<Database>, id: number): Promise<ContentProduct | null> {
  const product = await findContentProduct(db, id);
  if (!product) return null;
  const items = await db.selectFrom('content_items').select('id').where('product_id', '=', id).execute();
  await removeItems(
    db,
    items.map((i) => i.id),
  );
  await db.deleteFrom('content_products').where('id', '=', id).execute();
  return product;
}

/** The holder's delivery row of a file item, created on first use (concurrent first uses agree). */
export async function deliveryFor(db: Kysely<Database>, itemId: number, holder: Holder, now: number) {
  await db
    .insertInto('content_deliveries')
    .values({ item_id: itemId, holder_kind: holder.kind, holder_id: holder.id, created_at: now })
    .onConflict((oc) => oc.columns(['item_id', 'holder_kind', 'holder_id']).doNothing())
    .execute();
  return db
    .selectFrom('content_deliveries')
    .selectAll()
    .where('item_id', '=', itemId)
    .where('holder_kind', '=', holder.kind)
    .where('holder_id', '=', holder.id)
    .executeTakeFirstOrThrow();
}

/** Keeps a stamped copy unless another instance kept its own first; true when this one was kept. */
export async function keepStampedCopy(db: Kysely<Database>, deliveryId: number, fileId: number): Promise<boolean> {
  const result = await db
    .updateTable('content_deliveries')
    .set({ stamped_file_id: fileId })
    .where('id', '=', deliveryId)
    .where('stamped_file_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function noteUnstamped(db: Kysely<Database>, deliveryId: number, note: string): Promise<void> {
  await db.updateTable('content_deliveries').set({ stamp_note: note }).where('id', '=', deliveryId).execute();
}

export async function countDownload(db: Kysely<Database>, deliveryId: number, now: number): Promise<void> {
  await db
    .updateTable('content_deliveries')
    .set((eb) => ({ downloads: eb('downloads', '+', 1), last_download_at: now }))
    .where('id', '=', deliveryId)
    .execute();
}

/** Downloads per buyer of the given items, for the seller (most downloaded first). */
export function downloadsOf(db: Kysely<Database>, itemIds: readonly number[]) {
  if (itemIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('content_deliveries')
    .leftJoin('licenses', (join) =>
      join
        .onRef('licenses.id', '=', 'content_deliveries.holder_id')
        .on('content_deliveries.holder_kind', '=', 'license'),
    )
    .leftJoin('members', (join) =>
      join.onRef('members.id', '=', 'content_deliveries.holder_id').on('content_deliveries.holder_kind', '=', 'member'),
    )
    .select([
      'content_deliveries.item_id',
      'content_deliveries.holder_kind',
      'content_deliveries.holder_id',
      'content_deliveries.downloads',
      'content_deliveries.last_download_at',
      'content_deliveries.stamped_file_id',
      'content_deliveries.stamp_note',
      'licenses.license_key',
      'licenses.email as license_email',
      'members.email as member_email',
    ])
    .where('content_deliveries.item_id', 'in', itemIds)
    .orderBy('content_deliveries.downloads', 'desc')
    .orderBy('content_deliveries.id')
    .limit(500)
    .execute();
}
