import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import { endMemberSessions } from '../auth/index.js';
import type { Runtime } from '../clock.js';
import type { Database, Dialect } from '../db/index.js';
import type { Result } from '../errors.js';
import { licensesBoughtWith } from '../licenses/index.js';
import { enqueueMail, registrationMailSubject } from '../mail/index.js';
import {
  canonicalEmail,
  createMemberIfAbsent,
  hashPassword,
  memberCreatedEvent,
  membersEndingBetween,
  randomPassword,
  revokeMemberLinks,
} from '../members/index.js';
import type { RealtimeBus } from '../realtime/index.js';
import { queueWebhookEvents } from '../webhooks-out/index.js';

/** What the console does to a member. Each action writes its audit entry in its own transaction. */
export interface ConsoleDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  runtime: Runtime;
  bus: RealtimeBus;
  onWebhookQueued?: (() => void) | undefined;
}

export async function memberDetail(db: Kysely<Database>, dialect: Dialect, id: number, now: number) {
  const member = await db
    .selectFrom('members')
    .select([
      'id',
      'email',
      'name',
      'phone',
      'role',
      'status',
      'password_set_at',
      'source_order_id',
      'created_at',
      'imported_at',
      'password_change_required',
      'is_member',
      'membership_ends_at',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!member) return null;
  const sessions = await db
    .selectFrom('sessions')
    .innerJoin('devices', 'devices.id', 'sessions.device_id')
    .select([
      'sessions.id',
      'sessions.device_id',
      'sessions.created_at',
      'sessions.last_seen_at',
      'sessions.idle_expires_at',
      'sessions.expires_at',
      'sessions.revoked_at',
      'sessions.revoked_reason',
      'sessions.ip',
      'devices.browser',
      'devices.os',
      'devices.created_at as device_created_at',
    ])
    .where('sessions.member_id', '=', id)
    .orderBy('sessions.last_seen_at', 'desc')
    .limit(100)
    .execute();
  const live = sessions.filter((s) => s.revoked_at === null && s.idle_expires_at > now && s.expires_at > now);
  // A device is listed once, with its most recent session.
  const devices = [...new Map(sessions.map((s) => [s.device_id, s])).values()].map((s) => ({
    id: s.device_id,
    browser: s.browser,
    os: s.os,
    firstSeenAt: s.device_created_at,
    lastSeenAt: s.last_seen_at,
    live: live.some((l) => l.device_id === s.device_id),
  }));
  const licenses = await licensesBoughtWith(db, dialect, member.email);
  const orderIds = [...new Set([...licenses.map((l) => l.order_id), member.source_order_id ?? 0])].filter((n) => n > 0);
  const orders = await db
    .selectFrom('orders')
    .select(['id', 'order_no', 'provider', 'grand_total', 'paid_at', 'created_at', 'refunded_at', 'refund_reason'])
    .where((eb) => eb.or([eb('email', '=', member.email), ...(orderIds.length ? [eb('id', 'in', orderIds)] : [])]))
    .orderBy('id', 'desc')
    .limit(200)
    .execute();
  return { member, live, devices, licenses, orders };
}

export type CreateMemberResult = Result<{ memberId: number }, 'EXISTS' | 'INVALID_EMAIL', { message: string }>;

/** A member made by hand (a buyer paid outside Lynk): a random password and the registration mail. */
export async function createMemberByHand(
  deps: ConsoleDeps,
  input: { email: string; name: string; phone: string },
  actor: AuditActor,
): Promise<CreateMemberResult> {
  const canonical = canonicalEmail(input.email);
  if (!canonical.ok) return { ok: false, code: 'INVALID_EMAIL', message: canonical.message };
  const email = canonical.email;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
    return { ok: false, code: 'INVALID_EMAIL', message: 'Isi email dengan benar.' };
  const passwordHash = await hashPassword(randomPassword(deps.runtime.randomBytes));
  const now = deps.runtime.now();
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const { member, created } = await createMemberIfAbsent(
      trx,
      { email, name: input.name.trim(), phone: input.phone.trim(), passwordHash, sourceOrderId: null },
      now,
    );
    if (!created)
      return {
        result: { ok: false, code: 'EXISTS', message: 'Email ini sudah terdaftar.' } as CreateMemberResult,
        queued: 0,
      };
    await queueRegistrationMail(trx, member, `registration:${member.id}`, now);
    const queued = await queueWebhookEvents(trx, [memberCreatedEvent(member, { via: 'console' })], {
      now,
      randomBytes: deps.runtime.randomBytes,
    });
    await recordAudit(
      trx,
      actor,
      { action: 'member.create', target: { type: 'member', id: member.id }, details: { email } },
      now,
    );
    return { result: { ok: true, memberId: member.id } as CreateMemberResult, queued };
  });
  if (outcome.queued > 0) deps.onWebhookQueued?.();
  return outcome.result;
}

async function queueRegistrationMail(
  db: Kysely<Database>,
  member: { id: number; email: string; name: string; source_order_id: number | null },
  dedupeKey: string,
  now: number,
): Promise<void> {
  const order = member.source_order_id
    ? await db.selectFrom('orders').select('order_no').where('id', '=', member.source_order_id).executeTakeFirst()
    : undefined;
  const params = {
    kind: 'registration' as const,
    memberId: member.id,
    orderNo: order?.order_no ?? '-',
    name: member.name,
    email: member.email,
    // The initial password is never resent: the mail's one-time link lets the member set one.
    passwordPolicy: 'random' as const,
  };
  await enqueueMail(db, { dedupeKey, to: member.email, subject: registrationMailSubject(params), params }, now);
}

/**
 * The registration mail again, with fresh one-time links (rendered at send time). Each resend has
 * its own dedupe key: the outbox keeps "one mail per reason", and every resend is a new reason.
 * The links of earlier mails end here: only the newest mail lets anyone in. An admin gets none (an
 * admin's password is never set through a mailed link).
 */
export async function resendRegistration(deps: ConsoleDeps, memberId: number, actor: AuditActor): Promise<boolean> {
  const now = deps.runtime.now();
  return deps.db.transaction().execute(async (trx) => {
    const member = await trx
      .selectFrom('members')
      .select(['id', 'email', 'name', 'source_order_id'])
      .where('id', '=', memberId)
      .where('role', '=', 'member')
      .executeTakeFirst();
    if (!member) return false;
    const revokedLinks = await revokeMemberLinks(trx, member.id, now);
    const dedupeKey = `registration:${member.id}:resend:${now}:${deps.runtime.randomBytes(4).toString('hex')}`;
    await queueRegistrationMail(trx, member, dedupeKey, now);
    await recordAudit(
      trx,
      actor,
      {
        action: 'member.resend_registration',
        target: { type: 'member', id: member.id },
        details: { dedupeKey, revokedLinks },
      },
      now,
    );
    return true;
  });
}

/** Membership lists of the console: ending within a week, or already ended; soonest first. */
export function membersByEnd(db: Kysely<Database>, which: 'segera' | 'berakhir', now: number) {
  const week = 7 * 86_400_000; // 7 days
  return which === 'segera'
    ? membersEndingBetween(db, now, now + week)
    : membersEndingBetween(db, now - 365 * 86_400_000, now).then((rows) => rows.reverse());
}

/** Ends the member's sessions everywhere; their open pages log out at once (SSE). */
export async function forceLogout(deps: ConsoleDeps, memberId: number, actor: AuditActor): Promise<number> {
  return endMemberSessions(deps, memberId, 'admin', { actor, action: 'member.force_logout' });
}

/**
 * Forgets the member's devices: ends every session (open pages log out live) and deletes the
 * ended sessions that tie devices to the member, so the next login from any browser is a first
 * one (no conflict dialog, an empty device list).
 */
export async function resetDevices(deps: ConsoleDeps, memberId: number, actor: AuditActor): Promise<number> {
  const ended = await endMemberSessions(deps, memberId, 'admin', { actor, action: 'member.reset_devices' });
  await deps.db.deleteFrom('sessions').where('member_id', '=', memberId).where('revoked_at', 'is not', null).execute();
  return ended;
}

/** Deactivating also ends the sessions (a disabled member's pages must not stay open). */
export async function setMemberStatus(
  deps: ConsoleDeps,
  memberId: number,
  status: 'active' | 'disabled',
  actor: AuditActor,
): Promise<boolean> {
  const now = deps.runtime.now();
  const changed = await deps.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('members')
      .set({ status, updated_at: now })
      .where('id', '=', memberId)
      .where('status', '!=', status)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await recordAudit(
      trx,
      actor,
      {
        action: status === 'active' ? 'member.reactivate' : 'member.deactivate',
        target: { type: 'member', id: memberId },
      },
      now,
    );
    return true;
  });
  if (changed && status === 'disabled')
    await endMemberSessions(deps, memberId, 'admin', { actor, action: 'session.revoke_all' });
  return changed;
}
