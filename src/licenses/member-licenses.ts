import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { DeactivateResult, ReleaseOrigin } from './deactivate.js';
import { endOne } from './deactivate.js';
import type { LicenseDeps } from './deps.js';
import { activationView } from './deps.js';
import { fingerprintHash, memberDeviceFingerprint } from './fingerprints.js';

/**
 * A member's view of licenses: only those bought with their email (case-insensitive, members are
 * stored lower-case). Another member's license is "not found", never "forbidden".
 */
export function memberLicense(db: Kysely<Database>, email: string, licenseId: number) {
  return db
    .selectFrom('licenses')
    .selectAll()
    .where('id', '=', licenseId)
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst();
}

/** The live activations of the member's licenses, by license id (for "Lisensi saya"). */
export async function memberActivations(db: Kysely<Database>, licenseIds: readonly number[]) {
  const byLicense = new Map<number, ReturnType<typeof activationView>[]>();
  if (licenseIds.length === 0) return byLicense;
  const rows = await db
    .selectFrom('license_activations')
    .select(['id', 'license_id', 'name', 'created_at', 'last_validated_at'])
    .where('license_id', 'in', licenseIds)
    .where('revoked_at', 'is', null)
    .orderBy('id')
    .execute();
  for (const row of rows) {
    const list = byLicense.get(row.license_id) ?? [];
    list.push(activationView(row));
    byLicense.set(row.license_id, list);
  }
  return byLicense;
}

/** This browser's live activation of the license, if it has one. */
export async function deviceActivation(db: Kysely<Database>, licenseId: number, deviceId: number) {
  const row = await db
    .selectFrom('license_activations')
    .select(['id', 'name', 'created_at', 'last_validated_at'])
    .where('license_id', '=', licenseId)
    .where('fingerprint_hash', '=', fingerprintHash(memberDeviceFingerprint(deviceId)))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? activationView(row) : null;
}

/** "Lepaskan perangkat" on Lisensi saya: only an activation of the member's own license. */
export async function releaseMemberActivation(
  deps: LicenseDeps,
  email: string,
  activationId: number,
  origin: ReleaseOrigin,
): Promise<DeactivateResult> {
  const row = await deps.db
    .selectFrom('license_activations')
    .innerJoin('licenses', 'licenses.id', 'license_activations.license_id')
    .select(['licenses.id', 'licenses.email'])
    .where('license_activations.id', '=', activationId)
    .where((eb) => eb(eb.fn('lower', ['licenses.email']), '=', email.toLowerCase()))
    .executeTakeFirst();
  if (!row) return { ok: false, code: 'LICENSE_NOT_FOUND' };
  return endOne(deps, row, activationId, origin);
}
