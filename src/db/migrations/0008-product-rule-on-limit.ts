import type { Kysely } from 'kysely';

/**
 * Console product rules get the license overflow policy PRODUCT_RULES already has (`onLimit`):
 * what an activation on one device too many does. Existing rules keep the safe default, refuse.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('product_rules')
    .addColumn('on_limit', 'text', (c) => c.notNull().defaultTo('refuse'))
    .execute();
}
