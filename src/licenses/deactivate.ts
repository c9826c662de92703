import type { Result } from '../errors.js';
import type { LicenseDeps } from './deps.js';
import { findByFingerprint, fingerprintHash } from './fingerprints.js';
import { licenseByKey } from './lookup.js';
import { announceCommitted, endActivations, queueContext } from './notify.js';

export type DeactivateResult = Result<
  { licenseId: number; activationId: number },
  'LICENSE_NOT_FOUND' | 'NOT_ACTIVATED'
>;

export type DeactivateTarget = { activationId: number } | { fingerprint: string };

/**
 * Frees one device's slot (the seller's app uninstalling, a member releasing an old laptop). The
 * device's open page is told at once. Allowed on revoked and expired licenses too: releasing
 * never grants anything. Unknown key and unknown device answer alike after the same look-up.
 */
export async function deactivateLicense(
  deps: LicenseDeps,
  key: string,
  target: DeactivateTarget,
): Promise<DeactivateResult> {
  const found = await licenseByKey(deps.db, key);
  const match =
    'fingerprint' in target
      ? findByFingerprint(found?.activations ?? [], fingerprintHash(target.fingerprint))
      : found?.activations.find((a) => a.id === target.activationId);
  if (!found) return { ok: false, code: 'LICENSE_NOT_FOUND' };
  if (!match) return { ok: false, code: 'NOT_ACTIVATED' };
  return endOne(deps, found.license, match.id);
}

/** Ends one live activation of a license; NOT_ACTIVATED when it was no longer live (a race). */
export async function endOne(
  deps: LicenseDeps,
  license: { id: number; email: string },
  activationId: number,
): Promise<DeactivateResult> {
  const committed = await deps.db
    .transaction()
    .execute((trx) =>
      endActivations(trx, license, [activationId], 'deactivated', queueContext(deps, deps.runtime.now())),
    );
  announceCommitted(deps, committed);
  return committed.ended.length > 0
    ? { ok: true, licenseId: license.id, activationId }
    : { ok: false, code: 'NOT_ACTIVATED' };
}
