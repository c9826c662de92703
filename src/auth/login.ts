import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit, SYSTEM_ACTOR } from '../audit/index.js';
import type { Runtime } from '../clock.js';
import { sameDigest, sha256Hex } from '../crypto.js';
import type { Database, Dialect, Member } from '../db/index.js';
import type { Failure, Ok } from '../errors.js';
import type { Log } from '../logger.js';
import {
  canonicalEmail,
  consumeOneTimeToken,
  findMemberByEmail,
  hashPassword,
  issueOneTimeToken,
  NO_PASSWORD,
  passwordHashing,
  requirePasswordChange,
  revokeMemberLinks,
  setMemberPassword,
  verifyPassword,
} from '../members/index.js';
import type { NewRealtimeEvent, RealtimeBus, RealtimeEvent } from '../realtime/index.js';
import { recordRealtimeEvents, SESSION_ENDED_MESSAGES } from '../realtime/index.js';
import { isoTime, queueWebhookEvents } from '../webhooks-out/index.js';
import { memberTakeoverLimits, recordDeviceEvent, takeoverAllowance } from './device-events.js';
import type { DeviceClaim } from './devices.js';
import { deviceIdForToken, resolveDevice } from './devices.js';
import type { CountedAttempt, RateLimit } from './rate-limit.js';
import { clearRateLimit, consumeRateLimit, refundRateLimit } from './rate-limit.js';
import type { AuthSettings, LiveDevice } from './sessions.js';
import { createSession, deviceHeldByAnother, liveDevices, revokeDeviceSessions, revokeSession } from './sessions.js';
import type { SessionToken } from './tokens.js';
import { parseSessionToken } from './tokens.js';

export interface AuthDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  runtime: Runtime;
  settings: AuthSettings;
  bus: RealtimeBus;
  log: Log;
  /** Wakes the webhook worker after a takeover queued `session.takeover` for the seller's systems. */
  onWebhookQueued?: (() => void) | undefined;
  /**
   * The account of a buyer who paid with this address but has none yet (a buyer of licenses
   * only), made on request; undefined when the address never bought anything. From the orders feature.
   */
  openBuyerAccount?: ((email: string) => Promise<Member | undefined>) | undefined;
}

/** Who is knocking: the browser's cookies, its fingerprint and address. */
export interface LoginContext extends DeviceClaim {
  ip: string;
  /** The session cookie the browser still holds, if any (ended when it logs in again). */
  sessionCookie: string | undefined;
}

/**
 * A login's answer. The failure codes are the error table's, so a route answers them as they are;
 * a conflict (another device holds the member's live session(s)) asks before taking over.
 */
export type LoginResult =
  | Ok<{
      memberId: number;
      role: 'member' | 'admin';
      session: SessionToken;
      deviceToken: string | null;
      revokedDevices: number;
    }>
  | Failure<
      'SESSION_CONFLICT',
      {
        devices: LiveDevice[];
        takeoverToken: string;
        deviceToken: string | null;
        /** "Tetap gunakan di sini" left in the window (null: no limit), shown in the dialog. */
        takeoversLeft: { remaining: number; limit: number; windowMs: number } | null;
      }
    >
  /** EMAIL_NOT_PROVEN: the right password of an account whose mailbox was never proven (phone-number password). */
  | Failure<'INVALID_CREDENTIALS' | 'ACCOUNT_DISABLED' | 'EMAIL_NOT_PROVEN' | 'TAKEOVER_EXPIRED'>
  | Failure<'RATE_LIMITED', { retryAfterMs: number }>
  /** Too many logins already waiting for a password hash (a flood): nothing was checked or counted. */
  | Failure<'SERVER_BUSY', { retryAfterMs: number }>
  /** Past the member's takeover limit: "keep here" is refused until `retryAt` (or a reset by the seller). */
  | Failure<'TAKEOVER_LIMITED', { retryAt: number; limit: number; windowMs: number }>;

/** When a login refused for a full hashing queue may try again. */
const BUSY_RETRY_MS = 2000;

/** How long the "Tetap gunakan di sini" button stays valid after the conflict was shown. */
export const TAKEOVER_TTL_MS = 5 * 60_000; // 5 minutes

export function accountLimit(settings: AuthSettings, email: string): RateLimit {
  return { key: `login:account:${email}`, limit: settings.maxFailuresPerAccount, windowMs: settings.rateWindowMs };
}
export function ipLimit(settings: AuthSettings, ip: string): RateLimit {
  return { key: `login:ip:${ip}`, limit: settings.maxAttemptsPerIp, windowMs: settings.rateWindowMs };
}

let timingHash: Promise<string> | null = null;
/** Verifying against this when the email is unknown makes both failures take the same time. */
function decoyHash(): Promise<string> {
  timingHash ??= hashPassword('gerbang: no such member, same cost');
  return timingHash;
}

/**
 * Email + password. Both failures ("no such email", "wrong password") give the same answer after
 * the same work (OWASP ASVS 2.2, no account enumeration). Attempts are limited per IP (failures:
 * a right password gives its attempt back) and per account (attempts since the last success), decided before the slow hash so a
 * flood costs little.
 */
export async function loginWithPassword(
  deps: AuthDeps,
  input: { email: string; password: string; takeover: boolean },
  ctx: LoginContext,
): Promise<LoginResult> {
  const { db, settings, runtime } = deps;
  // A non-canonical address (compatibility characters) names nobody: counted, then refused generically.
  const canonical = canonicalEmail(input.email);
  const email = canonical.ok ? canonical.email : input.email.trim();
  const now = runtime.now();
  // Counted before the slow hash, so parallel guesses cannot all slip under the limit; a success
  // clears the account's count, so the account limit effectively counts failures.
  const ipRule = ipLimit(settings, ctx.ip);
  const counted: CountedAttempt[] = [];
  for (const rule of [ipRule, accountLimit(settings, email)]) {
    const decision = await consumeRateLimit(db, rule, now);
    if (decision.ok) counted.push(decision.counted);
    else {
      const limit = rule.key.split(':')[1];
      deps.log.warn({ ip: ctx.ip, limit }, 'login rate limited');
      // A security event for the operator, once per window (not once per refused guess).
      if (decision.firstRefusal) {
        const target = limit === 'ip' ? { type: 'ip', id: ctx.ip } : { type: 'account', id: email };
        await recordAudit(
          db,
          { ...SYSTEM_ACTOR, ip: ctx.ip },
          { action: 'login.failures_exceeded', target, details: { limit, max: rule.limit, windowMs: rule.windowMs } },
          now,
        );
      }
      return { ok: false, code: 'RATE_LIMITED', retryAfterMs: decision.retryAfterMs };
    }
  }

  const member = await findMemberByEmail(db, email);
  // An account without a password (a buyer who signs in with links) costs the same decoy hash.
  const stored = member && member.password_hash !== NO_PASSWORD ? member.password_hash : await decoyHash();
  const check = await verifyPassword(stored, input.password, 'login');
  if (check === 'busy') {
    // Not an attempt: the password was never checked, so neither limit counts it.
    for (const attempt of counted) await refundRateLimit(db, attempt);
    deps.log.warn({ ip: ctx.ip, waiting: passwordHashing.waiting }, 'login refused: password hashing busy');
    return { ok: false, code: 'SERVER_BUSY', retryAfterMs: BUSY_RETRY_MS };
  }
  if (!member || stored !== member.password_hash || !check.ok) {
    deps.log.info({ ip: ctx.ip, known: Boolean(member) }, 'login failed');
    return { ok: false, code: 'INVALID_CREDENTIALS' };
  }
  // The right password: this attempt is not one of the IP's failures.
  const ipAttempt = counted.find((attempt) => attempt.key === ipRule.key);
  if (ipAttempt) await refundRateLimit(db, ipAttempt);
  // Whoever bought first chose this password (the phone number) for an address they typed: it only
  // works once the mailbox's owner has signed in through an emailed link. Said only to someone who
  // knew the password, so a stranger learns no more than from the generic failure.
  if (member.needs_email_proof === 1 && member.status === 'active') {
    deps.log.info({ memberId: member.id }, 'password login refused: mailbox not proven yet');
    return { ok: false, code: 'EMAIL_NOT_PROVEN' };
  }
  await clearRateLimit(db, accountLimit(settings, email).key);
  if (check.needsRehash) {
    // A legacy PHP bcrypt hash that just proved right: replace it with argon2id while we hold the password.
    await setMemberPassword(db, member.id, await hashPassword(input.password), runtime.now());
    deps.log.info({ memberId: member.id }, 'legacy bcrypt password rehashed to argon2id');
    // An imported account may still have the phone number as its password (the import may leave this
    // check to the first login): whoever knows the number could sign in, so a new one is chosen first.
    if (member.phone !== '' && input.password === member.phone) await requirePasswordChange(db, member.id);
  }
  return completeLogin(deps, member, ctx, input.takeover);
}

/** "Tetap gunakan di sini": only the browser that saw the conflict may confirm it, once, soon. */
export async function confirmTakeover(deps: AuthDeps, token: string, ctx: LoginContext): Promise<LoginResult> {
  const deviceId = await deviceIdForToken(deps.db, ctx.token);
  const owner = await consumeOneTimeToken(deps.db, 'login_takeover', token, deps.runtime.now());
  if (!owner || deviceId === null || owner.deviceId !== deviceId) return { ok: false, code: 'TAKEOVER_EXPIRED' };
  const member = await deps.db.selectFrom('members').selectAll().where('id', '=', owner.memberId).executeTakeFirst();
  if (!member) return { ok: false, code: 'TAKEOVER_EXPIRED' };
  return completeLogin(deps, member, ctx, true);
}

/** "Gunakan di perangkat lain": the pending confirmation is burnt; nothing else changes. */
export async function cancelTakeover(deps: AuthDeps, token: string): Promise<void> {
  await consumeOneTimeToken(deps.db, 'login_takeover', token, deps.runtime.now());
}

/**
 * The device rule, in one transaction per member: at most `maxDevicesPerMember` devices hold live
 * sessions. A device that already holds one never conflicts with itself (tabs of one browser). A
 * new device beyond the limit gets a conflict unless the member chose to take over, which ends the
 * least recently seen devices' sessions and tells their pages at once.
 */
export async function completeLogin(
  deps: AuthDeps,
  member: Member,
  ctx: LoginContext,
  takeover: boolean,
): Promise<LoginResult> {
  const { db, runtime, settings } = deps;
  if (member.status !== 'active') return { ok: false, code: 'ACCOUNT_DISABLED' };
  const outcome = await db.transaction().execute(async (trx) => {
    const now = runtime.now();
    // Serialises logins of one member on PostgreSQL (SQLite runs one write transaction at a time),
    // so two devices logging in (or taking over) at once cannot both slip under a limit.
    const limits = await memberTakeoverLimits(trx, member.id, deps.dialect === 'postgres');
    // The session this browser shows (if genuine): it proves which device's live session is its own.
    const previous = await verifiedSession(trx, ctx.sessionCookie);
    const device = await resolveDevice(trx, ctx, now, runtime.randomBytes, (deviceId) =>
      deviceHeldByAnother(trx, deviceId, previous?.id ?? null, now),
    );
    const live = await liveDevices(trx, member.id, now);
    const others = live.filter((d) => d.deviceId !== device.id);
    // Admins are not members: no device limit unless ADMIN_MAX_DEVICES asks for one.
    const maxDevices =
      member.role === 'admin' ? (settings.adminMaxDevices ?? Number.POSITIVE_INFINITY) : settings.maxDevicesPerMember;
    const excess = others.length - (maxDevices - 1);
    // Least recently seen go first.
    const displaced = excess > 0 ? others.slice(-excess) : [];
    const seen = { memberId: member.id, deviceId: device.id, ip: ctx.ip, userAgent: ctx.userAgent };
    if (displaced.length > 0 && !takeover) {
      // A second device wanted in while another holds the account: a sharing signal for the seller.
      await recordDeviceEvent(trx, { kind: 'conflict', ...seen }, now);
      const { token } = await issueOneTimeToken(trx, 'login_takeover', {
        memberId: member.id,
        deviceId: device.id,
        now,
        ttlMs: TAKEOVER_TTL_MS,
        randomBytes: runtime.randomBytes,
      });
      const left = await takeoverAllowance(trx, member.id, limits, settings, now);
      return {
        ok: false,
        code: 'SESSION_CONFLICT',
        devices: displaced,
        takeoverToken: token,
        deviceToken: device.newToken,
        takeoversLeft:
          left.limit === null || left.remaining === null
            ? null
            : { remaining: left.remaining, limit: left.limit, windowMs: left.windowMs },
      } as const;
    }
    if (displaced.length > 0) {
      const allowance = await takeoverAllowance(trx, member.id, limits, settings, now);
      if (allowance.remaining === 0 && allowance.nextAt !== null && allowance.limit !== null) {
        await recordDeviceEvent(trx, { kind: 'takeover_refused', ...seen }, now);
        await recordAudit(
          trx,
          { type: 'member', id: member.id, label: member.email, ip: ctx.ip },
          {
            action: 'session.takeover_refused',
            target: { type: 'member', id: member.id },
            details: { limit: allowance.limit, windowMs: allowance.windowMs, retryAt: allowance.nextAt },
          },
          now,
        );
        return {
          ok: false,
          code: 'TAKEOVER_LIMITED',
          retryAt: allowance.nextAt,
          limit: allowance.limit,
          windowMs: allowance.windowMs,
        } as const;
      }
    }
    const revoked = await revokeDeviceSessions(trx, {
      memberId: member.id,
      deviceIds: displaced.map((d) => d.deviceId),
      reason: 'takeover',
      now,
    });
    // Counted only when sessions really ended (a takeover whose rival logged out meanwhile is a login).
    await recordDeviceEvent(trx, { kind: revoked.length > 0 ? 'takeover' : 'login', ...seen }, now);
    // Session rotation: whatever this browser held before is ended silently (same member: a
    // re-login; another member: the browser switches accounts), so a fixed cookie is never reused.
    // (Each statement only when there is something to end: every round trip counts on PostgreSQL.)
    if (previous) await revokeSession(trx, previous.id, 'rotated', now);
    if (live.length > others.length)
      await revokeDeviceSessions(trx, { memberId: member.id, deviceIds: [device.id], reason: 'rotated', now });
    const session = await createSession(trx, {
      memberId: member.id,
      deviceId: device.id,
      ip: ctx.ip,
      now,
      settings,
      randomBytes: runtime.randomBytes,
    });
    const recorded = await recordRealtimeEvents(trx, revocationEvents(member.id, revoked, 'takeover', now), now);
    let queued = 0;
    if (revoked.length > 0) {
      const actor: AuditActor = { type: 'member', id: member.id, label: member.email, ip: ctx.ip };
      await recordAudit(
        trx,
        actor,
        { action: 'session.takeover', target: { type: 'member', id: member.id }, details: { endedDevices: revoked } },
        now,
      );
      const takeover = {
        type: 'session.takeover' as const,
        data: () => ({
          member: { id: member.id, email: member.email, name: member.name },
          ended_devices: displaced.length,
          ip: ctx.ip,
          at: isoTime(now),
        }),
      };
      queued = await queueWebhookEvents(trx, [takeover], { now, randomBytes: runtime.randomBytes });
    }
    return { ok: true, session, deviceToken: device.newToken, recorded, queued } as const;
  });
  if (!outcome.ok) return outcome;
  publishCommitted(deps, outcome.recorded);
  if (outcome.queued > 0) deps.onWebhookQueued?.();
  deps.log.info({ memberId: member.id, revokedDevices: outcome.recorded.length }, 'member signed in');
  return {
    ok: true,
    memberId: member.id,
    role: member.role,
    session: outcome.session,
    deviceToken: outcome.deviceToken,
    revokedDevices: outcome.recorded.length,
  };
}

export function publishCommitted(deps: Pick<AuthDeps, 'bus'>, events: RealtimeEvent[]): void {
  if (events.length > 0) deps.bus.publish(events);
}

/** What the open pages of the given devices are told when their sessions end. */
export function revocationEvents(
  memberId: number,
  deviceIds: readonly number[],
  reason: keyof typeof SESSION_ENDED_MESSAGES,
  now: number,
): NewRealtimeEvent[] {
  return deviceIds.map((deviceId) => ({
    memberId,
    deviceId,
    kind: 'session.revoked',
    data: { reason, at: now, message: SESSION_ENDED_MESSAGES[reason] },
  }));
}

/**
 * Logout: ends the session and tells the browser's other tabs (they share the cookie, so they are
 * logged out too). Returns false when there was no live session to end.
 */
export async function logout(deps: AuthDeps, sessionCookie: string | undefined): Promise<boolean> {
  const { db, runtime } = deps;
  const recorded = await db.transaction().execute(async (trx) => {
    const now = runtime.now();
    const session = await verifiedSession(trx, sessionCookie);
    if (!session || !(await revokeSession(trx, session.id, 'logout', now))) return null;
    return recordRealtimeEvents(trx, revocationEvents(session.memberId, [session.deviceId], 'logout', now), now);
  });
  if (!recorded) return false;
  publishCommitted(deps, recorded);
  return true;
}

/** The session a cookie names, only if the cookie's secret matches (no ending others' sessions by id). */
async function verifiedSession(
  db: Kysely<Database>,
  cookie: string | undefined,
): Promise<{ id: string; memberId: number; deviceId: number } | null> {
  const token = parseSessionToken(cookie);
  if (!token) return null;
  const row = await db
    .selectFrom('sessions')
    .select(['secret_hash', 'member_id', 'device_id'])
    .where('id', '=', token.id)
    .executeTakeFirst();
  if (!row || !sameDigest(row.secret_hash, sha256Hex(token.secret))) return null;
  return { id: token.id, memberId: row.member_id, deviceId: row.device_id };
}

/** Who ended the sessions, for the audit log (an admin's action names itself, e.g. member.force_logout). */
export interface SessionEndAudit {
  actor: AuditActor;
  action: string;
}

/**
 * Ends every live session of a member on every device (a new password, an operator's "log out
 * everywhere") and tells their open pages. The member's outstanding emailed links end too: a link
 * sent before would otherwise sign someone in again right after. The audit entry commits with both.
 */
export async function endMemberSessions(
  deps: Pick<AuthDeps, 'db' | 'runtime' | 'bus'>,
  memberId: number,
  reason: 'password_changed' | 'admin' | 'email_changed',
  audit: SessionEndAudit = { actor: SYSTEM_ACTOR, action: 'session.revoke_all' },
  /** A device whose session stays (the one where the member just chose a new password). */
  keepDeviceId: number | null = null,
): Promise<number> {
  const recorded = await deps.db.transaction().execute(async (trx) => {
    const now = deps.runtime.now();
    const devices = (await liveDevices(trx, memberId, now)).filter((d) => d.deviceId !== keepDeviceId);
    const revoked = await revokeDeviceSessions(trx, {
      memberId,
      deviceIds: devices.map((d) => d.deviceId),
      reason,
      now,
    });
    const revokedLinks = await revokeMemberLinks(trx, memberId, now);
    await recordAudit(
      trx,
      audit.actor,
      {
        action: audit.action,
        target: { type: 'member', id: memberId },
        details: { reason, endedDevices: revoked, revokedLinks },
      },
      now,
    );
    return recordRealtimeEvents(trx, revocationEvents(memberId, revoked, reason, now), now);
  });
  publishCommitted(deps, recorded);
  return recorded.length;
}
