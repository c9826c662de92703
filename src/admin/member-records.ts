import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Database } from '../db/index.js';
import type { Result } from '../errors.js';
import { emailDigest } from '../logger.js';

/**
 * A member's own data: corrected by the operator (name, phone; undoable), handed over as a file,
 * and deleted on request (UU PDP 27/2022: the buyer may ask for their data and for its deletion).
 * Orders stay for the books, without the buyer's name, email or phone.
 */

export interface MemberProfile {
  name: string;
  phone: string;
}

export async function updateMemberProfile(
  db: Kysely<Database>,
  memberId: number,
  profile: MemberProfile,
  actor: AuditActor,
  now: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const member = await trx
      .selectFrom('members')
      .select(['name', 'phone'])
      .where('id', '=', memberId)
      .executeTakeFirst();
    if (!member) return false;
    await trx
      .updateTable('members')
      .set({ name: profile.name, phone: profile.phone, updated_at: now })
      .where('id', '=', memberId)
      .execute();
    await recordAudit(
      trx,
      actor,
      {
        action: 'member.update',
        target: { type: 'member', id: memberId },
        details: { before: { name: member.name, phone: member.phone }, after: profile },
      },
      now,
    );
    return true;
  });
}

/** Everything Gerbang holds about a member, as one JSON document (no password hash, no token). */
export async function exportMemberData(db: Kysely<Database>, memberId: number, actor: AuditActor, now: number) {
  const member = await db
    .selectFrom('members')
    .select(['id', 'email', 'name', 'phone', 'role', 'status', 'created_at', 'updated_at', 'password_set_at'])
    .where('id', '=', memberId)
    .executeTakeFirst();
  if (!member) return null;
  const [orders, licenses, sessions, mails, ppob] = await Promise.all([
    db.selectFrom('orders').selectAll().where('email', '=', member.email).orderBy('id').execute(),
    db
      .selectFrom('licenses')
      .select(['id', 'license_key', 'product_title', 'status', 'max_devices', 'expires_at', 'created_at', 'revoked_at'])
      .where('email', '=', member.email)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('sessions')
      .innerJoin('devices', 'devices.id', 'sessions.device_id')
      .select(['sessions.created_at', 'sessions.last_seen_at', 'sessions.ip', 'devices.browser', 'devices.os'])
      .where('sessions.member_id', '=', memberId)
      .orderBy('sessions.created_at')
      .execute(),
    db
      .selectFrom('mail_outbox')
      .select(['kind', 'subject', 'status', 'created_at', 'sent_at'])
      .where('to_address', '=', member.email)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('ppob_transactions')
      .select(['product_name', 'customer_no', 'status', 'created_at'])
      .where('member_id', '=', memberId)
      .orderBy('id')
      .execute(),
  ]);
  const items = await (orders.length === 0
    ? Promise.resolve([])
    : db
        .selectFrom('order_items')
        .select(['order_id', 'title', 'qty', 'price'])
        .where(
          'order_id',
          'in',
          orders.map((o) => o.id),
        )
        .execute());
  const activations = await (licenses.length === 0
    ? Promise.resolve([])
    : db
        .selectFrom('license_activations')
        .select(['license_id', 'name', 'created_at', 'last_validated_at', 'revoked_at'])
        .where(
          'license_id',
          'in',
          licenses.map((l) => l.id),
        )
        .execute());
  await recordAudit(db, actor, { action: 'member.export', target: { type: 'member', id: memberId } }, now);
  const time = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    exported_at: time(now),
    member: {
      ...member,
      created_at: time(member.created_at),
      updated_at: time(member.updated_at),
      password_set_at: time(member.password_set_at),
    },
    orders: orders.map((o) => ({
      order_no: o.order_no,
      paid_at: o.paid_at,
      total: o.grand_total,
      name: o.customer_name,
      phone: o.phone,
      items: items.filter((i) => i.order_id === o.id).map(({ order_id: _, ...i }) => i),
    })),
    licenses: licenses.map((l) => ({
      ...l,
      expires_at: time(l.expires_at),
      created_at: time(l.created_at),
      revoked_at: time(l.revoked_at),
      devices: activations.filter((a) => a.license_id === l.id).map(({ license_id: _, ...a }) => a),
    })),
    sessions,
    mails,
    ppob,
  };
}

export type DeleteMemberResult = Result<{ orders: number }, 'NOT_FOUND' | 'ADMIN' | 'NOT_EXPORTED'>;

/**
 * Deletes a member and their personal data. Refused until their data was exported (the file is what
 * the seller hands the buyer) and for admins. Orders and licenses stay (the sale happened; keys keep
 * working) with the name, email and phone blanked; sessions, devices, links and mails go.
 */
export async function deleteMember(
  db: Kysely<Database>,
  memberId: number,
  actor: AuditActor,
  now: number,
): Promise<DeleteMemberResult> {
  return db.transaction().execute(async (trx) => {
    const member = await trx
      .selectFrom('members')
      .select(['id', 'email', 'role'])
      .where('id', '=', memberId)
      .executeTakeFirst();
    if (!member) return { ok: false, code: 'NOT_FOUND' } as const;
    if (member.role === 'admin') return { ok: false, code: 'ADMIN' } as const;
    const exported = await trx
      .selectFrom('audit_log')
      .select('id')
      .where('target_type', '=', 'member')
      .where('target_id', '=', String(memberId))
      .where('action', '=', 'member.export')
      .executeTakeFirst();
    if (!exported) return { ok: false, code: 'NOT_EXPORTED' } as const;

    const devices = await trx.selectFrom('sessions').select('device_id').where('member_id', '=', memberId).execute();
    await trx.deleteFrom('sessions').where('member_id', '=', memberId).execute();
    const deviceIds = [...new Set(devices.map((d) => d.device_id))];
    if (deviceIds.length > 0) {
      const stillUsed = await trx
        .selectFrom('sessions')
        .select('device_id')
        .where('device_id', 'in', deviceIds)
        .execute();
      const used = new Set(stillUsed.map((s) => s.device_id));
      const unused = deviceIds.filter((id) => !used.has(id));
      if (unused.length > 0) await trx.deleteFrom('devices').where('id', 'in', unused).execute();
    }
    await trx.deleteFrom('one_time_tokens').where('member_id', '=', memberId).execute();
    await trx.deleteFrom('realtime_events').where('member_id', '=', memberId).execute();
    await trx
      .deleteFrom('content_deliveries')
      .where('holder_kind', '=', 'member')
      .where('holder_id', '=', memberId)
      .execute();
    await trx.updateTable('ppob_transactions').set({ member_id: null }).where('member_id', '=', memberId).execute();
    await trx.updateTable('api_tokens').set({ created_by: null }).where('created_by', '=', memberId).execute();
    await trx.updateTable('members').set({ source_order_id: null }).where('id', '=', memberId).execute();
    const orders = await trx.selectFrom('orders').select('id').where('email', '=', member.email).execute();
    const orderIds = orders.map((o) => o.id);
    if (orderIds.length > 0) {
      await trx
        .updateTable('orders')
        .set({ email: '', customer_name: '', phone: '', anonymised_at: now })
        .where('id', 'in', orderIds)
        .execute();
      // The delivery that made the order carries the buyer's details in its body.
      await trx
        .updateTable('webhook_events')
        .set({ raw_body: '{"dihapus":"data pembeli dihapus atas permintaannya"}', note: null })
        .where('order_id', 'in', orderIds)
        .execute();
    }
    await trx.updateTable('licenses').set({ email: '' }).where('email', '=', member.email).execute();
    await trx.deleteFrom('mail_outbox').where('to_address', '=', member.email).execute();
    await trx.deleteFrom('members').where('id', '=', memberId).execute();
    await recordAudit(
      trx,
      actor,
      {
        action: 'member.delete',
        target: { type: 'member', id: memberId },
        details: { emailDigest: emailDigest(member.email), orders: orderIds.length },
      },
      now,
    );
    return { ok: true, orders: orderIds.length } as const;
  });
}
