import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { idColumn, timeColumn } from '../dialect.js';

/**
 * The audit log (every operator action and automatic security event) and admin API tokens (for
 * scripts calling the operator HTTP API). Both are shared by the operator console, PPOB ordering
 * and license administration.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const time = timeColumn(dialect);
  await db.schema
    .createTable('audit_log')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('at', time, (c) => c.notNull())
    // admin (a signed-in admin) · api_token · cli (a shell on the server) · system (automatic).
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  // The console lists newest first, filtered by action or by the thing acted on.
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();
  await db.schema.createIndex('audit_log_action_idx').on('audit_log').columns(['action', 'id']).execute();
  await db.schema.createIndex('audit_log_target_idx').on('audit_log').columns(['target_type', 'target_id']).execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', idColumn(dialect), (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // SHA-256 of the token; the token itself is shown once, at creation.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    // The first characters, so an operator can tell tokens apart without the secret.
    .addColumn('token_prefix', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.references('members.id'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time)
    .addColumn('revoked_at', time)
    .execute();
}
