import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Runtime } from '../clock.js';
import type { Database } from '../db/index.js';
import type { Result } from '../errors.js';
import { canonicalEmail, checkNewPassword, hashPassword } from '../members/index.js';

/**
 * The first admin. With no admin yet, `GET /` leads to a one-time setup page; `gerbang admin
 * create` makes admins from the shell at any time. Both mark setup as done, so the page is gone.
 */

/** True while nobody has set up the console (no setup marker and no admin). */
export async function setupPending(db: Kysely<Database>): Promise<boolean> {
  const done = await db.selectFrom('admin_setup').select('id').executeTakeFirst();
  if (done) return false;
  const admin = await db.selectFrom('members').select('id').where('role', '=', 'admin').limit(1).executeTakeFirst();
  return !admin;
}

export type CreateAdminResult = Result<
  { memberId: number },
  'WEAK_PASSWORD' | 'INVALID_EMAIL' | 'EMAIL_TAKEN' | 'SETUP_DONE',
  { message: string }
>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Creates an admin. `firstRun`: only if setup was never done, decided by inserting the single
 * setup row (id 1): of two setups racing, exactly one insert succeeds and only it creates an
 * admin, on SQLite and PostgreSQL alike. The audit entry commits with the admin.
 */
export async function createAdmin(
  db: Kysely<Database>,
  runtime: Runtime,
  input: { email: string; password: string; firstRun: boolean },
  actor: (memberId: number, email: string) => AuditActor,
): Promise<CreateAdminResult> {
  const canonical = canonicalEmail(input.email);
  if (!canonical.ok) return { ok: false, code: 'INVALID_EMAIL', message: canonical.message };
  const email = canonical.email;
  if (!EMAIL.test(email) || email.length > 254)
    return { ok: false, code: 'INVALID_EMAIL', message: 'Alamat email tidak valid.' };
  const weak = checkNewPassword(input.password, email);
  if (weak) return { ok: false, code: 'WEAK_PASSWORD', message: weak };
  // argon2id takes ~55 ms: outside the transaction.
  const passwordHash = await hashPassword(input.password);
  const now = runtime.now();
  return db
    .transaction()
    .execute(async (trx): Promise<CreateAdminResult> => {
      const claimed = await trx
        .insertInto('admin_setup')
        .values({ id: 1, member_id: null, completed_at: now })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (input.firstRun && !claimed)
        return { ok: false, code: 'SETUP_DONE', message: 'Admin pertama sudah dibuat. Silakan masuk.' };
      const member = await trx
        .insertInto('members')
        .values({
          email,
          username: email,
          name: 'Admin',
          phone: '',
          role: 'admin',
          status: 'active',
          password_hash: passwordHash,
          password_set_at: now,
          source_order_id: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!member) {
        // Undo the setup claim too: the page must stay available for a correct retry.
        throw new EmailTaken();
      }
      if (claimed) await trx.updateTable('admin_setup').set({ member_id: member.id }).where('id', '=', 1).execute();
      await recordAudit(
        trx,
        actor(member.id, email),
        {
          action: input.firstRun ? 'admin.setup' : 'admin.create',
          target: { type: 'member', id: member.id },
          details: { email },
        },
        now,
      );
      return { ok: true, memberId: member.id };
    })
    .catch((error: unknown): CreateAdminResult => {
      if (error instanceof EmailTaken)
        return { ok: false, code: 'EMAIL_TAKEN', message: 'Email ini sudah dipakai akun lain.' };
      throw error;
    });
}

/** Thrown inside the transaction so that it rolls back; turned into a value above. */
class EmailTaken extends Error {}
