import type { ColumnDataType, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';

/** Raw bytes: SQLite's BLOB, PostgreSQL's bytea. */
function bytesColumn(dialect: Dialect): ColumnDataType {
  return dialect === 'postgres' ? 'bytea' : 'blob';
}

/**
 * What a buyer gets behind a license or a membership: per product (by Lynk uuid or exact title, like
 * product_rules) an ordered list of items — videos, files, links, Markdown texts. Files live in the
 * database in chunks, so every instance on a shared PostgreSQL serves every upload and a backup of
 * the database holds them too. A delivery row is one file item for one holder (a license or a
 * member): its download count, and the PDF stamped for that buyer, made once and kept.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema
    .createTable('content_products')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('match_uuid', 'text')
    .addColumn('match_title', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addUniqueConstraint('content_products_uuid_uq', ['match_uuid'])
    .addUniqueConstraint('content_products_title_uq', ['match_title'])
    .execute();

  await db.schema
    .createTable('content_files')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    // 64-bit on PostgreSQL: a file may pass 2 GiB one day; SQLite integers are 64-bit already.
    .addColumn('size', time, (c) => c.notNull())
    .addColumn('chunk_size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text')
    // uploading: chunks still arriving (never served) · ready.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('content_file_chunks')
    .addColumn('file_id', 'integer', (c) => c.notNull().references('content_files.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', bytesColumn(dialect), (c) => c.notNull())
    .addPrimaryKeyConstraint('content_file_chunks_pk', ['file_id', 'seq'])
    .execute();

  await db.schema
    .createTable('content_items')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('product_id', 'integer', (c) => c.notNull().references('content_products.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    // video: the embed URL shown (normalised) and the URL the seller typed; link: the URL.
    .addColumn('url', 'text')
    .addColumn('source_url', 'text')
    .addColumn('body', 'text')
    .addColumn('file_id', 'integer', (c) => c.references('content_files.id'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('content_items_product_idx')
    .on('content_items')
    .columns(['product_id', 'position'])
    .execute();

  await db.schema
    .createTable('content_deliveries')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('item_id', 'integer', (c) => c.notNull().references('content_items.id').onDelete('cascade'))
    .addColumn('holder_kind', 'text', (c) => c.notNull())
    .addColumn('holder_id', 'integer', (c) => c.notNull())
    .addColumn('stamped_file_id', 'integer', (c) => c.references('content_files.id').onDelete('set null'))
    // Why this holder's PDF is served without a stamp (too large, unreadable), once decided.
    .addColumn('stamp_note', 'text')
    .addColumn('downloads', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_download_at', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addUniqueConstraint('content_deliveries_holder_uq', ['item_id', 'holder_kind', 'holder_id'])
    .execute();
  // Abandoned uploads are found by status and age.
  await db.schema
    .createIndex('content_files_status_idx')
    .on('content_files')
    .columns(['status', 'created_at'])
    .execute();
}
