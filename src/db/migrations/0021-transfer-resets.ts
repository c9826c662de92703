import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';

/**
 * A member's request to reset a license's release count once the limit is reached: `unconfirmed`
 * until the member opens the emailed one-time link, then `pending` for the seller (or `approved`
 * at once under the monthly policy), `approved` or `rejected` when decided. The emailed token is a
 * one_time_tokens row (purpose `transfer_reset`) of the member: opening it confirms the member's
 * requests that were waiting when it was minted.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema
    .createTable('transfer_reset_requests')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('license_id', 'integer', (c) => c.notNull())
    .addColumn('member_id', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('confirmed_at', time)
    .addColumn('decided_at', time)
    .addColumn('decided_by', 'text')
    .execute();
  await db.schema
    .createIndex('transfer_reset_requests_status_idx')
    .on('transfer_reset_requests')
    .columns(['status', 'id'])
    .execute();
  await db.schema
    .createIndex('transfer_reset_requests_license_idx')
    .on('transfer_reset_requests')
    .columns(['license_id', 'id'])
    .execute();
}
