import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { timeColumn } from '../dialect.js';

/**
 * Members and licenses brought over from the previous system (`gerbang import legacy`): when they
 * were imported (the console marks them), the old order numbers buyers still quote from their
 * mails, and a flag that sends a member to "Buat kata sandi baru" before any member page (their
 * old password was still the default anyone could guess: their phone number).
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema.alterTable('members').addColumn('imported_at', time).execute();
  await db.schema
    .alterTable('members')
    .addColumn('password_change_required', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('licenses').addColumn('imported_at', time).execute();
  await db.schema.alterTable('licenses').addColumn('legacy_order_no', 'text').execute();
  await db.schema.alterTable('licenses').addColumn('legacy_transaction_no', 'text').execute();
}
