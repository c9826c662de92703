import { recordAudit, SYSTEM_ACTOR } from '../audit/index.js';
import type { Failure, Result } from '../errors.js';
import {
  enqueueMail,
  loginLinkMailSubject,
  normalizeIndonesianPhone,
  passwordResetMailSubject,
} from '../mail/index.js';
import type { TokenOwner } from '../members/index.js';
import {
  canonicalEmail,
  consumeOneTimeToken,
  findMemberByEmail,
  hashToken,
  markEmailProven,
  peekOneTimeToken,
  revokeOneTimeToken,
  verifyPassword,
} from '../members/index.js';
import type { AuthDeps, LoginContext, LoginResult } from './login.js';
import { accountLimit, completeLogin, ipLimit } from './login.js';
import type { RateLimit } from './rate-limit.js';
import { clearRateLimit, consumeRateLimit } from './rate-limit.js';

/** Emailed login links per account per window: enough for "it did not arrive", not for mail bombing. */
const LINKS_PER_ACCOUNT = 3;

/** queued: false when the address is no active account's (the caller answers the same either way). */
export type LinkRequestOutcome = Result<{ queued: boolean }, 'RATE_LIMITED', { retryAfterMs: number }>;

/** login_link: "Kirim tautan masuk" · password_reset: "Lupa kata sandi?" (a link to choose a new one). */
export type LinkPurpose = 'login_link' | 'password_reset';

/**
 * Queues a one-time link for an active account: a login link, or a link to choose a new password.
 * The caller answers the same whether or not the email belongs to one (no account enumeration);
 * limits per IP and per address, shared by both kinds, keep it from being used to flood someone's
 * inbox. The per-address limit is the links' own, apart from the password lockout: someone
 * exhausting it only fills the owner's mailbox with working links, so the owner of a locked-out
 * account always has a way in. A buyer of licenses who has no account yet gets one here
 * (`openBuyerAccount`), so every buyer can sign in. An admin's password is never replaced through
 * the mailbox alone: "Lupa kata sandi?" sends an admin nothing (the shell resets it).
 */
export async function requestLoginLink(
  deps: AuthDeps,
  rawEmail: string,
  ip: string,
  purpose: LinkPurpose = 'login_link',
): Promise<LinkRequestOutcome> {
  const { db, runtime, settings } = deps;
  const canonical = canonicalEmail(rawEmail);
  const email = canonical.ok ? canonical.email : rawEmail.trim();
  const now = runtime.now();
  const ipRule = { key: `link:ip:${ip}`, limit: settings.maxAttemptsPerIp, windowMs: settings.rateWindowMs };
  const accountRule = { key: `link:account:${email}`, limit: LINKS_PER_ACCOUNT, windowMs: settings.rateWindowMs };
  for (const rule of [ipRule, accountRule]) {
    const decision = await consumeRateLimit(db, rule, now);
    if (!decision.ok) return { ok: false, code: 'RATE_LIMITED', retryAfterMs: decision.retryAfterMs };
  }
  const member =
    (await findMemberByEmail(db, email)) ?? (canonical.ok ? await deps.openBuyerAccount?.(email) : undefined);
  if (member?.status !== 'active') return { ok: true, queued: false };
  if (purpose === 'password_reset' && member.role === 'admin') {
    deps.log.info({ memberId: member.id }, 'password reset for an admin: nothing sent');
    return { ok: true, queued: false };
  }
  const person = { memberId: member.id, name: member.name, email: member.email };
  await enqueueMail(
    db,
    {
      // Every request is its own mail (the per-address limit bounds them), even two in one millisecond.
      dedupeKey: `${purpose}:${member.id}:${now}:${runtime.randomBytes(6).toString('hex')}`,
      to: member.email,
      subject: purpose === 'login_link' ? loginLinkMailSubject() : passwordResetMailSubject(),
      params:
        purpose === 'login_link'
          ? { kind: 'login_link', ...person, ...(member.role === 'admin' ? { asksPassword: true } : {}) }
          : { kind: 'password_reset', ...person },
      whatsappTo:
        purpose === 'login_link' && settings.whatsappLinks && member.role === 'member'
          ? normalizeIndonesianPhone(member.phone)
          : null,
    },
    now,
  );
  deps.log.info({ memberId: member.id, purpose }, 'emailed link queued');
  return { ok: true, queued: true };
}

export type LinkLoginResult =
  | LoginResult
  /** A link that is unknown, used, expired, or ended by too many wrong admin passwords. */
  | Failure<'LINK_INVALID'>
  /** An admin's link: the admin password is still required (wrong: one was typed and it was wrong). */
  | Failure<'PASSWORD_NEEDED', { email: string; wrong: boolean }>;

/** Wrong admin passwords typed through one link: as many as the account limit allows, then the link ends. */
function linkLimit(deps: AuthDeps, token: string): RateLimit {
  return {
    key: `login:link:${hashToken(token)}`,
    limit: deps.settings.maxFailuresPerAccount,
    windowMs: deps.settings.loginLinkTtlMs,
  };
}

/**
 * An emailed one-time login link, consumed here (single use), then the same device rules. A
 * member's link is the proof of the mailbox (a phone-number password works from then on).
 *
 * An admin's link is only the mailbox factor: the admin password is asked as well, so a mailbox
 * alone never opens the console. Attempts through a live link are not held to the per-account
 * lockout (which anyone can trigger with a few guesses) but to a limit of their own per link, and
 * the link ends when it is exhausted: guessing there needs the admin's mailbox first.
 */
export async function loginWithLink(
  deps: AuthDeps,
  token: string,
  ctx: LoginContext,
  password = '',
): Promise<LinkLoginResult> {
  const { db, runtime } = deps;
  const owner = await peekOneTimeToken(db, 'login_link', token, runtime.now());
  if (!owner) return { ok: false, code: 'LINK_INVALID' };
  if (owner.role === 'admin') {
    const refused = await checkAdminPassword(deps, token, owner, password, ctx);
    if (refused) return refused;
  }
  const consumed = await consumeOneTimeToken(db, 'login_link', token, runtime.now());
  if (!consumed) return { ok: false, code: 'LINK_INVALID' };
  const member = await db.selectFrom('members').selectAll().where('id', '=', consumed.memberId).executeTakeFirst();
  if (!member) return { ok: false, code: 'LINK_INVALID' };
  if (member.status === 'active') {
    if (member.needs_email_proof === 1) await markEmailProven(db, member.id, runtime.now());
    // A way in that proved the mailbox (and, for an admin, the password) ends the lockout others caused.
    await clearRateLimit(db, accountLimit(deps.settings, member.email).key);
  }
  return completeLogin(deps, member, ctx, false);
}

/** Null when the admin password is right; else the answer to give. */
async function checkAdminPassword(
  deps: AuthDeps,
  token: string,
  owner: TokenOwner,
  password: string,
  ctx: LoginContext,
): Promise<LinkLoginResult | null> {
  const { db, runtime, settings } = deps;
  if (password === '') return { ok: false, code: 'PASSWORD_NEEDED', email: owner.email, wrong: false };
  const now = runtime.now();
  // Counted before the slow hash, like the password form (parallel guesses cannot slip under).
  const byIp = await consumeRateLimit(db, ipLimit(settings, ctx.ip), now);
  if (!byIp.ok) return { ok: false, code: 'RATE_LIMITED', retryAfterMs: byIp.retryAfterMs };
  const rule = linkLimit(deps, token);
  const byLink = await consumeRateLimit(db, rule, now);
  if (!byLink.ok) {
    await revokeOneTimeToken(db, token, now);
    if (byLink.firstRefusal)
      await recordAudit(
        db,
        { ...SYSTEM_ACTOR, ip: ctx.ip },
        {
          action: 'login.link_failures_exceeded',
          target: { type: 'account', id: owner.email },
          details: { max: rule.limit },
        },
        now,
      );
    return { ok: false, code: 'LINK_INVALID' };
  }
  const member = await db
    .selectFrom('members')
    .select('password_hash')
    .where('id', '=', owner.memberId)
    .executeTakeFirst();
  const check = member ? await verifyPassword(member.password_hash, password) : { ok: false };
  if (!check.ok) {
    deps.log.info({ ip: ctx.ip, memberId: owner.memberId }, 'admin password through a login link failed');
    return { ok: false, code: 'PASSWORD_NEEDED', email: owner.email, wrong: true };
  }
  return null;
}
