import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Database } from '../db/index.js';
import type { Empty, Result } from '../errors.js';

/**
 * The operator's corrections to one license, each undoable: a revocation is taken back by
 * restoring, a change of terms by changing them back (the audit entry keeps the previous terms).
 */

export type RestoreLicenseResult = Result<Empty, 'NOT_FOUND' | 'NOT_REVOKED'>;

/**
 * Undoes a revocation: the key validates again. Devices the revocation released stay released
 * (the buyer activates again); the reason it was revoked stays in the audit log.
 */
export async function restoreLicense(
  db: Kysely<Database>,
  licenseId: number,
  actor: AuditActor,
  now: number,
): Promise<RestoreLicenseResult> {
  return db.transaction().execute(async (trx) => {
    const license = await trx
      .selectFrom('licenses')
      .select(['id', 'status', 'revoked_at', 'revoked_reason'])
      .where('id', '=', licenseId)
      .executeTakeFirst();
    if (!license) return { ok: false, code: 'NOT_FOUND' } as const;
    const updated = await trx
      .updateTable('licenses')
      .set({ status: 'active', revoked_at: null, revoked_reason: null })
      .where('id', '=', licenseId)
      .where('status', '=', 'revoked')
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return { ok: false, code: 'NOT_REVOKED' } as const;
    await recordAudit(
      trx,
      actor,
      {
        action: 'license.restore',
        target: { type: 'license', id: licenseId },
        details: { revoked_at: license.revoked_at, revoked_reason: license.revoked_reason },
      },
      now,
    );
    return { ok: true } as const;
  });
}

export interface LicenseTerms {
  maxDevices: number;
  /** Epoch ms, or null: never expires. */
  expiresAt: number | null;
}

export type UpdateTermsResult = Result<{ before: LicenseTerms }, 'NOT_FOUND' | 'TOO_MANY_DEVICES', { live?: number }>;

/**
 * Changes one license's device limit or expiry. A limit below the devices in use now is refused:
 * the operator releases devices first, so no live slot is left beyond the limit.
 */
export async function updateLicenseTerms(
  db: Kysely<Database>,
  licenseId: number,
  terms: LicenseTerms,
  actor: AuditActor,
  now: number,
): Promise<UpdateTermsResult> {
  return db.transaction().execute(async (trx) => {
    const license = await trx
      .selectFrom('licenses')
      .select(['id', 'max_devices', 'expires_at'])
      .where('id', '=', licenseId)
      .executeTakeFirst();
    if (!license) return { ok: false, code: 'NOT_FOUND' } as const;
    const live = await trx
      .selectFrom('license_activations')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('license_id', '=', licenseId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const inUse = Number(live?.n ?? 0);
    if (terms.maxDevices < inUse) return { ok: false, code: 'TOO_MANY_DEVICES', live: inUse } as const;
    const before = { maxDevices: license.max_devices, expiresAt: license.expires_at };
    await trx
      .updateTable('licenses')
      .set({ max_devices: terms.maxDevices, expires_at: terms.expiresAt })
      .where('id', '=', licenseId)
      .execute();
    await recordAudit(
      trx,
      actor,
      { action: 'license.update', target: { type: 'license', id: licenseId }, details: { before, after: terms } },
      now,
    );
    return { ok: true, before } as const;
  });
}
