import type { Kysely } from 'kysely';
import type { Database, Member } from '../db/index.js';
import { executeCompiledOnce } from '../db/index.js';
import { canonicalEmail } from './email-address.js';

/** An address with compatibility characters names nobody (it must not fold into another's account). */
export async function findMemberByEmail(db: Kysely<Database>, email: string): Promise<Member | undefined> {
  const canonical = canonicalEmail(email);
  if (!canonical.ok) return undefined;
  // Asked on every paid webhook: compiled once.
  const { rows } = await executeCompiledOnce(db, 'member by email', [canonical.email], () =>
    db.selectFrom('members').selectAll().where('email', '=', canonical.email),
  );
  return rows[0];
}

export interface NewMemberInput {
  email: string;
  name: string;
  phone: string;
  /**
   * The initial password hash, or a function that makes one: argon2 costs ~55 ms of CPU, so a
   * buyer who is already a member (a repeat purchase) should not pay it inside the transaction.
   */
  passwordHash: string | (() => Promise<string>);
  sourceOrderId: number | null;
  /** The password is one the buyer typed (the phone number): the mailbox must be proven before it works. */
  needsEmailProof?: boolean;
  /**
   * true: a membership account whose time comes from its grants (src/members/membership.ts), none
   * yet; 'lifetime' (the default): a member without an end (made by hand); false: a buyer of
   * licenses only.
   */
  membership?: boolean | 'lifetime';
}

/**
 * Creates the member unless one with this email exists (username = email, as in the old system).
 * Run inside the webhook transaction; a concurrent creation of the same email is not an error.
 */
export async function createMemberIfAbsent(
  db: Kysely<Database>,
  input: NewMemberInput,
  now: number,
): Promise<{ member: Member; created: boolean }> {
  const canonical = canonicalEmail(input.email);
  // Every edge refuses such an address first; reaching here with one is a bug, not a buyer.
  if (!canonical.ok) throw new Error(`member email is not canonical: ${JSON.stringify(input.email)}`);
  const email = canonical.email;
  const existing = await findMemberByEmail(db, email);
  if (existing) return { member: existing, created: false };
  const passwordHash = typeof input.passwordHash === 'string' ? input.passwordHash : await input.passwordHash();
  // ON CONFLICT DO NOTHING rather than catching the violation: in PostgreSQL a failed statement
  // would abort the surrounding webhook transaction.
  const row = {
    email,
    username: email,
    name: input.name,
    phone: input.phone,
    role: 'member' as const,
    status: 'active' as const,
    password_hash: passwordHash,
    password_set_at: null,
    source_order_id: input.sourceOrderId,
    needs_email_proof: input.needsEmailProof ? 1 : 0,
    // A new member has no time until its first grant; a lifetime one needs none.
    is_member: (input.membership ?? 'lifetime') === 'lifetime' ? 1 : 0,
    created_at: now,
    updated_at: now,
  };
  const {
    rows: [inserted],
  } = await executeCompiledOnce(db, 'insert member if absent', Object.values(row), () =>
    db
      .insertInto('members')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .returningAll(),
  );
  if (inserted) return { member: inserted, created: true };
  const member = await findMemberByEmail(db, email);
  if (!member) throw new Error(`member ${email} neither inserted nor found`);
  return { member, created: false };
}

export interface MemberListFilter {
  search?: string;
  limit?: number;
}

export function listMembers(db: Kysely<Database>, filter: MemberListFilter = {}) {
  let q = db
    .selectFrom('members')
    .select(['id', 'email', 'name', 'phone', 'role', 'status', 'password_set_at', 'created_at'])
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100);
  if (filter.search) {
    // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
    const like = `%${filter.search.toLowerCase()}%`;
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['email']), 'like', like),
        eb(eb.fn('lower', ['name']), 'like', like),
        eb('phone', 'like', like),
      ]),
    );
  }
  return q.execute();
}

export async function setMemberPassword(
  db: Kysely<Database>,
  memberId: number,
  passwordHash: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('members')
    .set({ password_hash: passwordHash, password_set_at: now, updated_at: now })
    .where('id', '=', memberId)
    .execute();
}

/** The member opened an emailed link: the mailbox is theirs, so a password they were given may now work. */
export async function markEmailProven(db: Kysely<Database>, memberId: number, now: number): Promise<void> {
  await db
    .updateTable('members')
    .set({ needs_email_proof: 0, updated_at: now })
    .where('id', '=', memberId)
    .where('needs_email_proof', '=', 1)
    .execute();
}

export type EmailChangeResult = { ok: true; oldEmail: string } | { ok: false; code: 'EMAIL_TAKEN' | 'NOT_FOUND' };

/**
 * Gives the account another address (username = email). Checked first rather than caught: on
 * PostgreSQL a failed statement would abort the caller's transaction; the unique index still stops
 * a racing duplicate.
 */
export async function changeMemberEmail(
  db: Kysely<Database>,
  memberId: number,
  newEmail: string,
  now: number,
): Promise<EmailChangeResult> {
  const member = await db.selectFrom('members').select('email').where('id', '=', memberId).executeTakeFirst();
  if (!member) return { ok: false, code: 'NOT_FOUND' };
  const taken = await db.selectFrom('members').select('id').where('email', '=', newEmail).executeTakeFirst();
  if (taken) return { ok: false, code: 'EMAIL_TAKEN' };
  await db
    .updateTable('members')
    .set({ email: newEmail, username: newEmail, needs_email_proof: 0, updated_at: now })
    .where('id', '=', memberId)
    .execute();
  return { ok: true, oldEmail: member.email };
}

/** The member must choose a new password before any member page (see the member guard). */
export async function requirePasswordChange(db: Kysely<Database>, memberId: number): Promise<void> {
  await db.updateTable('members').set({ password_change_required: 1 }).where('id', '=', memberId).execute();
}
