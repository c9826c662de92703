import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from '../dialect.js';
import { timeColumn } from '../dialect.js';

/**
 * - `store_settings`: the seller's brand (one row, id 1): store name, logo, primary colour, the mail
 *   sender's name and reply-to, the footer text. Set in the console, read by every page and mail.
 * - `mail_outbox.channel`: the outbox also carries WhatsApp messages (`whatsapp`), with the same
 *   claim, retries and dedupe key as mail; every existing row is `email`.
 * Expand-only: the previous version runs on this schema.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema
    .createTable('store_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('store_name', 'text', (c) => c.notNull())
    .addColumn('primary_color', 'text', (c) => c.notNull())
    .addColumn('mail_from_name', 'text', (c) => c.notNull())
    .addColumn('reply_to', 'text', (c) => c.notNull())
    .addColumn('footer_text', 'text', (c) => c.notNull())
    .addColumn('logo_mime', 'text')
    .addColumn('logo_data', 'text')
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .alterTable('mail_outbox')
    .addColumn('channel', 'text', (c) => c.notNull().defaultTo('email'))
    .execute();
}
