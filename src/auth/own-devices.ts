import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/index.js';
import type { Database } from '../db/index.js';
import { recordRealtimeEvents } from '../realtime/index.js';
import type { AuthDeps } from './login.js';
import { publishCommitted, revocationEvents } from './login.js';
import { liveDevices, revokeDeviceSessions } from './sessions.js';

/** One of the member's devices as "Perangkat saya" shows it. */
export interface MemberDevice {
  deviceId: number;
  browser: string;
  os: string;
  firstSeenAt: number;
  lastSeenAt: number;
  /** Holds a live session now. */
  live: boolean;
}

/** The devices the member signed in on within the last `sinceMs` (most recent first), live or not. */
export async function memberDevices(
  db: Kysely<Database>,
  memberId: number,
  now: number,
  sinceMs = 30 * 86_400_000, // 30 days
): Promise<MemberDevice[]> {
  const rows = await db
    .selectFrom('sessions')
    .innerJoin('devices', 'devices.id', 'sessions.device_id')
    .select(['devices.id as deviceId', 'devices.browser', 'devices.os'])
    .select((eb) => [
      eb.fn.min('sessions.created_at').as('firstSeenAt'),
      eb.fn.max('sessions.last_seen_at').as('lastSeenAt'),
    ])
    .where('sessions.member_id', '=', memberId)
    .where('sessions.last_seen_at', '>', now - sinceMs)
    .groupBy(['devices.id', 'devices.browser', 'devices.os'])
    .orderBy('lastSeenAt', 'desc')
    .limit(50)
    .execute();
  const live = new Set((await liveDevices(db, memberId, now)).map((d) => d.deviceId));
  return rows.map((r) => ({
    deviceId: r.deviceId,
    browser: r.browser,
    os: r.os,
    firstSeenAt: Number(r.firstSeenAt),
    lastSeenAt: Number(r.lastSeenAt),
    live: live.has(r.deviceId),
  }));
}

/**
 * "Akhiri sesi" on Perangkat saya: the member, signed in here, ends their session on another of
 * their devices. Not a takeover: nothing is counted against the takeover limit, which is why the
 * refusal message points here. The device's open pages are told at once.
 */
export async function endOwnDeviceSession(
  deps: Pick<AuthDeps, 'db' | 'runtime' | 'bus'>,
  member: { memberId: number; deviceId: number; email: string },
  deviceId: number,
  ip: string,
): Promise<boolean> {
  if (deviceId === member.deviceId) return false;
  const recorded = await deps.db.transaction().execute(async (trx) => {
    const now = deps.runtime.now();
    const revoked = await revokeDeviceSessions(trx, {
      memberId: member.memberId,
      deviceIds: [deviceId],
      reason: 'ended_by_member',
      now,
    });
    if (revoked.length === 0) return null;
    await recordAudit(
      trx,
      { type: 'member', id: member.memberId, label: member.email, ip },
      { action: 'session.end_own_device', target: { type: 'member', id: member.memberId }, details: { deviceId } },
      now,
    );
    return recordRealtimeEvents(trx, revocationEvents(member.memberId, revoked, 'ended_by_member', now), now);
  });
  if (!recorded) return false;
  publishCommitted(deps, recorded);
  return true;
}
