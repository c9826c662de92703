import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Database, TransferResetStatus } from '../db/index.js';
import type { Result } from '../errors.js';
import { enqueueMail, transferResetMailSubject } from '../mail/index.js';
import { consumeOneTimeToken } from '../members/index.js';
import type { LicenseDeps } from './deps.js';
import { memberLicense } from './member-licenses.js';
import { TRANSFER_WINDOW_MS, transferAllowance, transferSettings } from './transfers.js';

/** Who decided a reset granted by the monthly policy (shown in the console). */
export const AUTOMATIC = 'otomatis';

export interface ResetRequester {
  memberId: number;
  email: string;
  name: string;
}

export type RequestResetResult = Result<
  { requestId: number; status: TransferResetStatus; mailQueued: boolean },
  'NOT_FOUND' | 'NOT_NEEDED'
>;

/**
 * A member past a license's release limit asks for a reset. The request waits for the mailbox's
 * confirmation (a one-time link in the outbox): a stolen session alone cannot ask. One open request
 * per license; asking again while one is open changes nothing and sends no second mail.
 */
export async function requestTransferReset(
  deps: LicenseDeps,
  member: ResetRequester,
  licenseId: number,
): Promise<RequestResetResult> {
  const settings = transferSettings(deps);
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.runtime.now();
    const license = await memberLicense(trx, member.email, licenseId);
    if (!license) return { ok: false, code: 'NOT_FOUND' } as const;
    const allowance = await transferAllowance(trx, license, settings, now);
    if (allowance.remaining !== 0) return { ok: false, code: 'NOT_NEEDED' } as const;
    const open = await openRequest(trx, licenseId);
    if (open) return { ok: true, requestId: open.id, status: open.status, mailQueued: false } as const;
    const row = await trx
      .insertInto('transfer_reset_requests')
      .values({
        license_id: licenseId,
        member_id: member.memberId,
        status: 'unconfirmed',
        created_at: now,
        confirmed_at: null,
        decided_at: null,
        decided_by: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await enqueueMail(
      trx,
      {
        dedupeKey: `transfer_reset:${row.id}`,
        to: member.email,
        subject: transferResetMailSubject(),
        params: {
          kind: 'transfer_reset',
          memberId: member.memberId,
          name: member.name,
          email: member.email,
          licenseKey: license.license_key,
          productTitle: license.product_title,
        },
      },
      now,
    );
    return { ok: true, requestId: row.id, status: 'unconfirmed', mailQueued: true } as const;
  });
}

/** The license's request that is still waiting (for the mailbox or the seller), if any. */
export function openRequest(db: Kysely<Database>, licenseId: number) {
  return db
    .selectFrom('transfer_reset_requests')
    .select(['id', 'status', 'created_at'])
    .where('license_id', '=', licenseId)
    .where('status', 'in', ['unconfirmed', 'pending'])
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

export type ConfirmResetResult = Result<{ approved: number; pending: number }, 'LINK_INVALID'>;

/**
 * The emailed link, opened: the member's unconfirmed requests become the seller's to decide, or,
 * under the monthly policy, a license with no automatic reset in the last 30 days is reset at once.
 */
export async function confirmTransferReset(deps: LicenseDeps, token: string): Promise<ConfirmResetResult> {
  const settings = transferSettings(deps);
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.runtime.now();
    const owner = await consumeOneTimeToken(trx, 'transfer_reset', token, now);
    if (!owner) return { ok: false, code: 'LINK_INVALID' } as const;
    const waiting = await trx
      .selectFrom('transfer_reset_requests')
      .select(['id', 'license_id'])
      .where('member_id', '=', owner.memberId)
      .where('status', '=', 'unconfirmed')
      .execute();
    let approved = 0;
    for (const request of waiting) {
      const automatic = settings.resetPolicy === 'monthly' && !(await grantedLately(trx, request.license_id, now));
      await trx
        .updateTable('transfer_reset_requests')
        .set(
          automatic
            ? { status: 'approved', confirmed_at: now, decided_at: now, decided_by: AUTOMATIC }
            : { status: 'pending', confirmed_at: now },
        )
        .where('id', '=', request.id)
        .execute();
      if (automatic) {
        await trx
          .updateTable('licenses')
          .set({ transfers_reset_at: now })
          .where('id', '=', request.license_id)
          .execute();
        approved++;
      }
      await recordAudit(
        trx,
        { type: 'member', id: owner.memberId, label: `member #${owner.memberId}`, ip: null },
        {
          action: automatic ? 'license.transfer_reset_granted' : 'license.transfer_reset_requested',
          target: { type: 'license', id: request.license_id },
          details: { request: request.id, policy: settings.resetPolicy },
        },
        now,
      );
    }
    return { ok: true, approved, pending: waiting.length - approved } as const;
  });
}

/** An automatic reset within the last 30 days: the monthly policy grants one per license per month. */
async function grantedLately(db: Kysely<Database>, licenseId: number, now: number): Promise<boolean> {
  const row = await db
    .selectFrom('transfer_reset_requests')
    .select('id')
    .where('license_id', '=', licenseId)
    .where('decided_by', '=', AUTOMATIC)
    .where('decided_at', '>', now - TRANSFER_WINDOW_MS)
    .executeTakeFirst();
  return row !== undefined;
}

export type DecideResetResult = Result<{ licenseId: number }, 'NOT_FOUND'>;

/** The seller approves (the count starts over) or rejects a confirmed request; audited with it. */
export async function decideTransferReset(
  deps: LicenseDeps,
  requestId: number,
  approve: boolean,
  actor: AuditActor,
): Promise<DecideResetResult> {
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.runtime.now();
    const request = await trx
      .updateTable('transfer_reset_requests')
      .set({ status: approve ? 'approved' : 'rejected', decided_at: now, decided_by: actor.label })
      .where('id', '=', requestId)
      .where('status', '=', 'pending')
      .returning(['license_id'])
      .executeTakeFirst();
    if (!request) return { ok: false, code: 'NOT_FOUND' } as const;
    if (approve)
      await trx.updateTable('licenses').set({ transfers_reset_at: now }).where('id', '=', request.license_id).execute();
    await recordAudit(
      trx,
      actor,
      {
        action: approve ? 'license.transfer_reset_approved' : 'license.transfer_reset_rejected',
        target: { type: 'license', id: request.license_id },
        details: { request: requestId },
      },
      now,
    );
    return { ok: true, licenseId: request.license_id } as const;
  });
}

/** The seller resets a license's release count directly (the console's "Reset hitungan"). */
export async function resetTransferCount(deps: LicenseDeps, licenseId: number, actor: AuditActor): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.runtime.now();
    const updated = await trx
      .updateTable('licenses')
      .set({ transfers_reset_at: now })
      .where('id', '=', licenseId)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return false;
    // An open request is answered by the reset itself.
    await trx
      .updateTable('transfer_reset_requests')
      .set({ status: 'approved', decided_at: now, decided_by: actor.label })
      .where('license_id', '=', licenseId)
      .where('status', 'in', ['unconfirmed', 'pending'])
      .execute();
    await recordAudit(
      trx,
      actor,
      { action: 'license.transfer_count_reset', target: { type: 'license', id: licenseId }, details: {} },
      now,
    );
    return true;
  });
}

/** Confirmed requests waiting for the seller, oldest first (the console's list). */
export function pendingTransferResets(db: Kysely<Database>, limit = 100) {
  return db
    .selectFrom('transfer_reset_requests')
    .innerJoin('licenses', 'licenses.id', 'transfer_reset_requests.license_id')
    .innerJoin('members', 'members.id', 'transfer_reset_requests.member_id')
    .select([
      'transfer_reset_requests.id',
      'transfer_reset_requests.license_id as licenseId',
      'transfer_reset_requests.confirmed_at as confirmedAt',
      'licenses.license_key as licenseKey',
      'licenses.product_title as productTitle',
      'members.email',
    ])
    .where('transfer_reset_requests.status', '=', 'pending')
    .orderBy('transfer_reset_requests.id')
    .limit(limit)
    .execute();
}
