import { enqueueMail, loginLinkMailSubject } from '../mail/index.js';
import { findMemberByEmail } from '../members/index.js';
import type { AuthDeps } from './login.js';
import { consumeRateLimit } from './rate-limit.js';

/** Emailed login links per account per window: enough for "it did not arrive", not for mail bombing. */
const LINKS_PER_ACCOUNT = 3;

export type LinkRequestOutcome =
  | { kind: 'queued' }
  | { kind: 'not_sent' }
  | { kind: 'rate_limited'; retryAfterMs: number };

/**
 * "Kirim tautan masuk": queues a one-time login link for an active member. The caller answers the
 * same whether or not the email belongs to one (no account enumeration); limits per IP and per
 * address keep it from being used to flood someone's inbox.
 */
export async function requestLoginLink(deps: AuthDeps, rawEmail: string, ip: string): Promise<LinkRequestOutcome> {
  const { db, runtime, settings } = deps;
  const email = rawEmail.trim().toLowerCase();
  const now = runtime.now();
  const ipRule = { key: `link:ip:${ip}`, limit: settings.maxAttemptsPerIp, windowMs: settings.rateWindowMs };
  const accountRule = { key: `link:account:${email}`, limit: LINKS_PER_ACCOUNT, windowMs: settings.rateWindowMs };
  for (const rule of [ipRule, accountRule]) {
    const decision = await consumeRateLimit(db, rule, now);
    if (!decision.allowed) return { kind: 'rate_limited', retryAfterMs: decision.retryAfterMs };
  }
  const member = await findMemberByEmail(db, email);
  if (member?.status !== 'active') return { kind: 'not_sent' };
  await enqueueMail(
    db,
    {
      // Every request is its own mail (the per-address limit bounds them), even two in one millisecond.
      dedupeKey: `login_link:${member.id}:${now}:${runtime.randomBytes(6).toString('hex')}`,
      to: member.email,
      subject: loginLinkMailSubject(),
      params: { kind: 'login_link', memberId: member.id, name: member.name, email: member.email },
    },
    now,
  );
  deps.log.info({ memberId: member.id }, 'login link queued');
  return { kind: 'queued' };
}
