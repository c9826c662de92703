import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { timeColumn } from '../dialect.js';

/**
 * Emailed links end with the credentials they were sent for: a password change, an operator's
 * "log out everywhere" or a resent registration mail revokes every outstanding link of the member
 * (kept apart from `used_at`, so "was the link used?" still has an honest answer).
 *
 * A member created with the phone number as password must prove the mailbox once (an emailed link)
 * before that password works: the buyer typed the email, anyone can type someone else's. Existing
 * members keep signing in as before (0 = nothing to prove).
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema.alterTable('one_time_tokens').addColumn('revoked_at', timeColumn(dialect)).execute();
  await db.schema
    .alterTable('members')
    .addColumn('needs_email_proof', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
