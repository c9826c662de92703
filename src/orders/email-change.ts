import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { AuthDeps, LiveSession } from '../auth/index.js';
import { checkCurrentPassword, consumeRateLimit, endMemberSessions } from '../auth/index.js';
import type { Database } from '../db/index.js';
import type { Result } from '../errors.js';
import { emailChangedMailSubject, emailChangeMailSubject, enqueueMail } from '../mail/index.js';
import { canonicalEmail, changeMemberEmail, consumeOneTimeToken, findMemberByEmail } from '../members/index.js';

/**
 * Changing an account's email. The address names the purchases too (licenses and orders are kept
 * by the email the buyer paid with), so they move with it. A member asks with the current
 * password; the change happens only when the new mailbox confirms through a one-time link, and
 * the old address is told at both steps. An operator can change it directly (audited; both
 * addresses are told). Either way every session and emailed link of the account ends.
 */

export type EmailChangeFailure =
  | 'INVALID_EMAIL'
  | 'SAME_EMAIL'
  | 'EMAIL_TAKEN'
  | 'INVALID_CREDENTIALS'
  | 'RATE_LIMITED';

const MESSAGES: Record<EmailChangeFailure, string> = {
  INVALID_EMAIL: 'Alamat email tidak valid.',
  SAME_EMAIL: 'Itu sudah email akun ini.',
  EMAIL_TAKEN: 'Email ini sudah dipakai akun lain.',
  INVALID_CREDENTIALS: 'Kata sandi saat ini salah.',
  RATE_LIMITED: 'Terlalu banyak percobaan. Coba lagi nanti.',
};

export type EmailChangeRequest = Result<{ newEmail: string }, EmailChangeFailure, { message: string }>;

const fail = (code: EmailChangeFailure) => ({ ok: false, code, message: MESSAGES[code] }) as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A usable new address for this account, or why not. */
async function checkNewEmail(db: Kysely<Database>, currentEmail: string, raw: string) {
  const canonical = canonicalEmail(raw);
  if (!canonical.ok) return { ok: false, code: 'INVALID_EMAIL', message: canonical.message } as const;
  const email = canonical.email;
  if (!EMAIL.test(email) || email.length > 254) return fail('INVALID_EMAIL');
  if (email === currentEmail) return fail('SAME_EMAIL');
  if (await findMemberByEmail(db, email)) return fail('EMAIL_TAKEN');
  return { ok: true, email } as const;
}

/** "Ganti email": checks the password, mails the confirmation link to the new address and a notice to the old. */
export async function requestEmailChange(
  deps: Pick<AuthDeps, 'db' | 'runtime' | 'settings'>,
  session: LiveSession,
  input: { newEmail: string; password: string },
): Promise<EmailChangeRequest> {
  const { db, runtime } = deps;
  const current = await checkCurrentPassword(deps, session.memberId, input.password);
  if (!current.ok) return fail(current.code);
  // Each request mails an address the member typed: a few per window, so no one's inbox is flooded.
  const rule = { key: `email_change:${session.memberId}`, limit: 3, windowMs: deps.settings.rateWindowMs };
  if (!(await consumeRateLimit(db, rule, runtime.now())).ok) return fail('RATE_LIMITED');
  const checked = await checkNewEmail(db, session.email, input.newEmail);
  if (!checked.ok) return checked;
  const now = runtime.now();
  const base = { name: session.name, oldEmail: session.email, newEmail: checked.email };
  const confirm = { kind: 'email_change' as const, memberId: session.memberId, ...base };
  const notice = { kind: 'email_changed' as const, stage: 'requested' as const, ...base };
  const unique = `${session.memberId}:${now}:${runtime.randomBytes(6).toString('hex')}`;
  await db.transaction().execute(async (trx) => {
    await enqueueMail(
      trx,
      { dedupeKey: `email_change:${unique}`, to: checked.email, subject: emailChangeMailSubject(), params: confirm },
      now,
    );
    await enqueueMail(
      trx,
      {
        dedupeKey: `email_change_notice:${unique}`,
        to: session.email,
        subject: emailChangedMailSubject(notice),
        params: notice,
      },
      now,
    );
  });
  return { ok: true, newEmail: checked.email };
}

type Applied = Result<
  { memberId: number; oldEmail: string; newEmail: string; name: string },
  'EMAIL_TAKEN' | 'NOT_FOUND'
>;

/** The change itself, inside the caller's transaction: the account, its purchases, the audit entry, the mails. */
async function applyEmailChange(
  trx: Kysely<Database>,
  memberId: number,
  newEmail: string,
  actor: AuditActor,
  byAdmin: boolean,
  now: number,
): Promise<Applied> {
  const member = await trx.selectFrom('members').select(['name']).where('id', '=', memberId).executeTakeFirst();
  if (!member) return { ok: false, code: 'NOT_FOUND' };
  const changed = await changeMemberEmail(trx, memberId, newEmail, now);
  if (!changed.ok) return changed;
  const { oldEmail } = changed;
  // Buyers type their address in any case at checkout; accounts are stored lower-case.
  const licenses = await trx
    .updateTable('licenses')
    .set({ email: newEmail })
    .where((eb) => eb(eb.fn('lower', ['email']), '=', oldEmail))
    .executeTakeFirst();
  const orders = await trx
    .updateTable('orders')
    .set({ email: newEmail })
    .where((eb) => eb(eb.fn('lower', ['email']), '=', oldEmail))
    .executeTakeFirst();
  await recordAudit(
    trx,
    actor,
    {
      action: 'member.email_change',
      target: { type: 'member', id: memberId },
      details: {
        from: oldEmail,
        to: newEmail,
        licenses: Number(licenses.numUpdatedRows),
        orders: Number(orders.numUpdatedRows),
      },
    },
    now,
  );
  const notice = {
    kind: 'email_changed' as const,
    stage: 'changed' as const,
    name: member.name,
    oldEmail,
    newEmail,
    byAdmin,
  };
  const recipients = byAdmin ? [oldEmail, newEmail] : [oldEmail];
  for (const to of recipients)
    await enqueueMail(
      trx,
      {
        dedupeKey: `email_changed:${memberId}:${now}:${to}`,
        to,
        subject: emailChangedMailSubject(notice),
        params: notice,
      },
      now,
    );
  return { ok: true, memberId, oldEmail, newEmail, name: member.name };
}

export type EmailConfirmResult = Result<{ memberId: number; newEmail: string }, 'LINK_INVALID' | 'EMAIL_TAKEN'>;

/** The link from the new mailbox, consumed once: the address changes, every session and link of the account ends. */
export async function confirmEmailChange(
  deps: Pick<AuthDeps, 'db' | 'runtime' | 'bus'>,
  token: string,
  ip: string,
): Promise<EmailConfirmResult> {
  const outcome = await deps.db.transaction().execute(async (trx): Promise<EmailConfirmResult> => {
    const now = deps.runtime.now();
    const owner = await consumeOneTimeToken(trx, 'email_change', token, now);
    if (!owner?.newEmail) return { ok: false, code: 'LINK_INVALID' };
    const member = await trx
      .selectFrom('members')
      .select(['email', 'role'])
      .where('id', '=', owner.memberId)
      .executeTakeFirst();
    if (!member) return { ok: false, code: 'LINK_INVALID' };
    const actor: AuditActor = {
      type: member.role === 'admin' ? 'admin' : 'member',
      id: owner.memberId,
      label: member.email,
      ip,
    };
    const applied = await applyEmailChange(trx, owner.memberId, owner.newEmail, actor, false, now);
    if (!applied.ok) return { ok: false, code: applied.code === 'EMAIL_TAKEN' ? 'EMAIL_TAKEN' : 'LINK_INVALID' };
    return { ok: true, memberId: owner.memberId, newEmail: owner.newEmail };
  });
  if (!outcome.ok) return outcome;
  await endMemberSessions(deps, outcome.memberId, 'email_changed', {
    actor: { type: 'member', id: outcome.memberId, label: outcome.newEmail, ip },
    action: 'session.revoke_all',
  });
  return outcome;
}

export type AdminEmailChange = Result<{ newEmail: string }, EmailChangeFailure | 'NOT_FOUND', { message: string }>;

/** The console changes a member's email directly (the buyer typed a wrong address at checkout). */
export async function changeEmailByAdmin(
  deps: Pick<AuthDeps, 'db' | 'runtime' | 'bus'>,
  memberId: number,
  rawEmail: string,
  actor: AuditActor,
): Promise<AdminEmailChange> {
  const member = await deps.db.selectFrom('members').select('email').where('id', '=', memberId).executeTakeFirst();
  if (!member) return { ok: false, code: 'NOT_FOUND', message: 'Member tidak ditemukan.' };
  const checked = await checkNewEmail(deps.db, member.email, rawEmail);
  if (!checked.ok) return checked;
  const applied = await deps.db
    .transaction()
    .execute((trx) => applyEmailChange(trx, memberId, checked.email, actor, true, deps.runtime.now()));
  if (!applied.ok)
    return applied.code === 'EMAIL_TAKEN'
      ? fail('EMAIL_TAKEN')
      : { ok: false, code: 'NOT_FOUND', message: 'Member tidak ditemukan.' };
  await endMemberSessions(deps, memberId, 'email_changed', { actor, action: 'member.force_logout' });
  return { ok: true, newEmail: checked.email };
}
