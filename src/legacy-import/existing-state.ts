import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { LegacyData } from './legacy-rows.js';
import type { ExistingState } from './plan.js';

/** IN-lists stay far below SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

async function inChunks<T>(values: readonly string[], query: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const unique = [...new Set(values)];
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += CHUNK) out.push(...(await query(unique.slice(i, i + CHUNK))));
  return out;
}

/**
 * What Gerbang already has of these old rows: members by email, keys, Lynk orders by refId, and
 * titles of the products. Only the rows named in the old data are looked up (indexed), however
 * large Gerbang's own tables are.
 */
export async function loadExistingState(db: Kysely<Database>, data: LegacyData): Promise<ExistingState> {
  const emails = data.members.map((m) => (m.email.trim() || m.username.trim()).toLowerCase()).filter(Boolean);
  const members = await inChunks(emails, (chunk) =>
    db.selectFrom('members').select(['email', 'imported_at']).where('email', 'in', chunk).execute(),
  );
  const keys = data.licenses.map((l) => l.key.trim()).filter(Boolean);
  const licenses = await inChunks(keys, (chunk) =>
    db.selectFrom('licenses').select(['license_key', 'imported_at']).where('license_key', 'in', chunk).execute(),
  );
  const refs = data.licenses.map((l) => l.refId.trim() || `impor:${l.key.trim()}`);
  const orders = await inChunks(refs, (chunk) =>
    db
      .selectFrom('orders')
      .leftJoin('licenses', 'licenses.order_id', 'orders.id')
      .select(['orders.id', 'orders.external_ref', (eb) => eb.fn.max('licenses.unit_no').as('max_unit')])
      .where('orders.provider', '=', 'lynk')
      .where('orders.external_ref', 'in', chunk)
      .groupBy(['orders.id', 'orders.external_ref'])
      .execute(),
  );
  const uuids = data.licenses.map((l) => l.productUuid.trim()).filter(Boolean);
  const titles = await inChunks(uuids, (chunk) =>
    db
      .selectFrom('licenses')
      .select(['product_uuid', (eb) => eb.fn.max('product_title').as('title')])
      .where('product_uuid', 'in', chunk)
      .where('imported_at', 'is', null)
      .groupBy('product_uuid')
      .execute(),
  );
  // A product Gerbang has not issued a key for yet may still have been paid for through the new
  // webhook: Lynk sent its title with the order's items.
  const titled = new Set(titles.map((t) => t.product_uuid));
  const untitled = [...new Set(uuids)].filter((uuid) => !titled.has(uuid));
  const itemTitles = await inChunks(untitled, (chunk) =>
    db
      .selectFrom('order_items')
      .select(['uuid', (eb) => eb.fn.max('title').as('title')])
      .where('uuid', 'in', chunk)
      .groupBy('uuid')
      .execute(),
  );
  return {
    members: new Map(members.map((m) => [m.email, { imported: m.imported_at !== null }])),
    licenseKeys: new Map(licenses.map((l) => [l.license_key, { imported: l.imported_at !== null }])),
    orders: new Map(orders.map((o) => [o.external_ref, { id: o.id, nextUnit: Number(o.max_unit ?? 0) + 1 }])),
    productTitles: new Map([
      ...itemTitles.map((t): [string, string] => [String(t.uuid), String(t.title)]),
      ...titles.map((t): [string, string] => [t.product_uuid, String(t.title)]),
    ]),
  };
}
