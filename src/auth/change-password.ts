import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Result } from '../errors.js';
import { checkNewPassword, hashPassword, NO_PASSWORD, setMemberPassword, verifyPassword } from '../members/index.js';
import type { AuthDeps } from './login.js';
import { endMemberSessions } from './login.js';
import { clearRateLimit, consumeRateLimit } from './rate-limit.js';
import type { LiveSession } from './sessions.js';

export type CurrentPasswordCheck = Result<
  { hasPassword: boolean },
  'INVALID_CREDENTIALS' | 'RATE_LIMITED',
  { retryAfterMs?: number }
>;

/**
 * The signed-in account's current password, asked again before it changes the password or the
 * email (a session left open on a shared computer must not hand the account over). Wrong guesses
 * are limited per account, counted before the slow hash. An account that never had a password (a
 * buyer who signs in with emailed links) has none to give: the live session is the proof.
 */
export async function checkCurrentPassword(
  deps: Pick<AuthDeps, 'db' | 'runtime' | 'settings'>,
  memberId: number,
  password: string,
): Promise<CurrentPasswordCheck> {
  const { db, runtime, settings } = deps;
  const row = await db.selectFrom('members').select('password_hash').where('id', '=', memberId).executeTakeFirst();
  if (!row) return { ok: false, code: 'INVALID_CREDENTIALS' };
  if (row.password_hash === NO_PASSWORD) return { ok: true, hasPassword: false };
  const rule = {
    key: `current:member:${memberId}`,
    limit: settings.maxFailuresPerAccount,
    windowMs: settings.rateWindowMs,
  };
  const decision = await consumeRateLimit(db, rule, runtime.now());
  if (!decision.ok) return { ok: false, code: 'RATE_LIMITED', retryAfterMs: decision.retryAfterMs };
  const check = await verifyPassword(row.password_hash, password);
  if (!check.ok) return { ok: false, code: 'INVALID_CREDENTIALS' };
  await clearRateLimit(db, rule.key);
  return { ok: true, hasPassword: true };
}

export type ChangePasswordResult = Result<
  { endedDevices: number },
  'INVALID_CREDENTIALS' | 'RATE_LIMITED' | 'WEAK_PASSWORD',
  { message?: string; retryAfterMs?: number }
>;

/**
 * "Ubah kata sandi" for members and admins: the current password, then the one rule for the new
 * one. Whoever knew the old password is out: every other device's session and every emailed link
 * end; this browser stays signed in.
 */
export async function changePassword(
  deps: AuthDeps,
  session: LiveSession,
  input: { current: string; password: string },
  actor: AuditActor,
): Promise<ChangePasswordResult> {
  const current = await checkCurrentPassword(deps, session.memberId, input.current);
  if (!current.ok) return current;
  const weak = checkNewPassword(input.password, session.email);
  if (weak) return { ok: false, code: 'WEAK_PASSWORD', message: weak };
  const passwordHash = await hashPassword(input.password);
  await deps.db.transaction().execute(async (trx) => {
    const now = deps.runtime.now();
    await setMemberPassword(trx, session.memberId, passwordHash, now);
    await trx.updateTable('members').set({ password_change_required: 0 }).where('id', '=', session.memberId).execute();
    await recordAudit(
      trx,
      actor,
      { action: 'member.change_password', target: { type: 'member', id: session.memberId } },
      now,
    );
  });
  const endedDevices = await endMemberSessions(
    deps,
    session.memberId,
    'password_changed',
    { actor, action: 'session.revoke_all' },
    session.deviceId,
  );
  return { ok: true, endedDevices };
}
