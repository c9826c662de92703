import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import { sameDigest, sha256Hex } from '../crypto.js';
import type { Database, RevokeReason } from '../db/index.js';
import { executeCompiledOnce } from '../db/index.js';
import type { SessionToken } from './tokens.js';
import { newSessionToken, parseSessionToken } from './tokens.js';

export type AuthSettings = Config['auth'];

/** A protected request refreshes "last seen" (and the idle expiry) at most this often. */
export const TOUCH_INTERVAL_MS = 60_000;

export interface LiveSession {
  status: 'live';
  sessionId: string;
  memberId: number;
  deviceId: number;
  email: string;
  name: string;
  role: 'member' | 'admin';
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  /** The member must choose a new password before any member page (see memberGuard). */
  mustChangePassword: boolean;
}

export type SessionCheck =
  | LiveSession
  /** The cookie is genuine but the session was ended (takeover, logout, admin). */
  | { status: 'revoked'; sessionId: string; memberId: number; deviceId: number; reason: RevokeReason | null }
  | { status: 'none' };

export interface PresentedCookies {
  session: string | undefined;
  device: string | undefined;
}

/**
 * Checks a request's cookies against the database: one query (session, device, member). Every
 * protected request does this, so a revoked session is refused even when the browser's realtime
 * stream never told it. The session is also bound to its device cookie: a session cookie copied
 * to another browser without the device cookie is worthless.
 */
export async function checkSession(
  db: Kysely<Database>,
  cookies: PresentedCookies,
  now: number,
): Promise<SessionCheck> {
  const token = parseSessionToken(cookies.session);
  if (!token || !cookies.device) return { status: 'none' };
  // Built and compiled once (it runs on every protected request and twice per event stream opened):
  // later checks reuse the SQL with the new id.
  const { rows } = await executeCompiledOnce(db, 'checkSession', [token.id], () =>
    db
      .selectFrom('sessions')
      .innerJoin('devices', 'devices.id', 'sessions.device_id')
      .innerJoin('members', 'members.id', 'sessions.member_id')
      .select([
        'sessions.id',
        'sessions.secret_hash',
        'sessions.member_id',
        'sessions.device_id',
        'sessions.created_at',
        'sessions.last_seen_at',
        'sessions.idle_expires_at',
        'sessions.expires_at',
        'sessions.revoked_at',
        'sessions.revoked_reason',
        'devices.token_hash',
        'members.email',
        'members.name',
        'members.role',
        'members.status',
        'members.password_change_required',
      ])
      .where('sessions.id', '=', token.id),
  );
  const row = rows[0];
  if (!row) return { status: 'none' };
  // Constant-time: the id is public-ish (it is half the cookie); the secret must not leak by timing.
  if (!sameDigest(row.secret_hash, sha256Hex(token.secret))) return { status: 'none' };
  if (!sameDigest(row.token_hash, sha256Hex(cookies.device))) return { status: 'none' };
  if (row.revoked_at !== null) {
    return {
      status: 'revoked',
      sessionId: row.id,
      memberId: row.member_id,
      deviceId: row.device_id,
      reason: row.revoked_reason,
    };
  }
  if (row.idle_expires_at <= now || row.expires_at <= now || row.status !== 'active') return { status: 'none' };
  return {
    status: 'live',
    sessionId: row.id,
    memberId: row.member_id,
    deviceId: row.device_id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: Math.min(row.idle_expires_at, row.expires_at),
    mustChangePassword: row.password_change_required === 1,
  };
}

/** Sliding idle expiry, written at most once a minute per session (not on every page view). */
export async function touchSession(
  db: Kysely<Database>,
  session: LiveSession,
  settings: AuthSettings,
  now: number,
): Promise<void> {
  if (now - session.lastSeenAt < TOUCH_INTERVAL_MS) return;
  await db
    .updateTable('sessions')
    .set({ last_seen_at: now, idle_expires_at: now + settings.sessionIdleMs })
    .where('id', '=', session.sessionId)
    .where('revoked_at', 'is', null)
    .execute();
  await db.updateTable('devices').set({ last_seen_at: now }).where('id', '=', session.deviceId).execute();
}

export async function createSession(
  db: Kysely<Database>,
  args: {
    memberId: number;
    deviceId: number;
    ip: string | null;
    now: number;
    settings: AuthSettings;
    randomBytes: (n: number) => Buffer;
  },
): Promise<SessionToken> {
  const token = newSessionToken(args.randomBytes);
  await db
    .insertInto('sessions')
    .values({
      id: token.id,
      secret_hash: sha256Hex(token.secret),
      member_id: args.memberId,
      device_id: args.deviceId,
      created_at: args.now,
      last_seen_at: args.now,
      idle_expires_at: args.now + args.settings.sessionIdleMs,
      expires_at: args.now + args.settings.sessionMaxAgeMs,
      revoked_at: null,
      revoked_reason: null,
      ip: args.ip,
    })
    .execute();
  return token;
}

export interface LiveDevice {
  deviceId: number;
  browser: string;
  os: string;
  lastSeenAt: number;
}

/** The member's devices that hold at least one live session, most recently seen first. */
export async function liveDevices(db: Kysely<Database>, memberId: number, now: number): Promise<LiveDevice[]> {
  const rows = await db
    .selectFrom('sessions')
    .innerJoin('devices', 'devices.id', 'sessions.device_id')
    .select(['devices.id as deviceId', 'devices.browser', 'devices.os'])
    .select((eb) => eb.fn.max('sessions.last_seen_at').as('lastSeenAt'))
    .where('sessions.member_id', '=', memberId)
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.idle_expires_at', '>', now)
    .where('sessions.expires_at', '>', now)
    .groupBy(['devices.id', 'devices.browser', 'devices.os'])
    .orderBy('lastSeenAt', 'desc')
    .execute();
  return rows.map((r) => ({ ...r, lastSeenAt: Number(r.lastSeenAt) }));
}

/**
 * Does another browser hold this device right now: a live session on it other than the one the
 * browser presented? Tabs of one browser share the session cookie, so they never count; a device
 * cookie copied to another browser does not carry that session (OWASP ASVS 3.2: sessions bound to
 * the browser that was issued them).
 */
export async function deviceHeldByAnother(
  db: Kysely<Database>,
  deviceId: number,
  presentedSessionId: string | null,
  now: number,
): Promise<boolean> {
  let q = db
    .selectFrom('sessions')
    .select('id')
    .where('device_id', '=', deviceId)
    .where('revoked_at', 'is', null)
    .where('idle_expires_at', '>', now)
    .where('expires_at', '>', now);
  if (presentedSessionId !== null) q = q.where('id', '!=', presentedSessionId);
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}

/** Ends the live sessions of a member on the given devices; returns the devices that had one. */
export async function revokeDeviceSessions(
  db: Kysely<Database>,
  args: { memberId: number; deviceIds: readonly number[]; reason: RevokeReason; now: number },
): Promise<number[]> {
  if (args.deviceIds.length === 0) return [];
  const rows = await db
    .updateTable('sessions')
    .set({ revoked_at: args.now, revoked_reason: args.reason })
    .where('member_id', '=', args.memberId)
    .where('device_id', 'in', args.deviceIds)
    .where('revoked_at', 'is', null)
    .returning('device_id')
    .execute();
  return [...new Set(rows.map((r) => r.device_id))];
}

/** Ends one session (logout, or a browser switching accounts); true when it was live. */
export async function revokeSession(
  db: Kysely<Database>,
  sessionId: string,
  reason: RevokeReason,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
