import type { Result } from '../errors.js';
import type { ActivationView, LicenseDeps, TokenLicense } from './deps.js';
import { activationView, tokenLicense } from './deps.js';
import { findByFingerprint, fingerprintHash } from './fingerprints.js';
import type { LicenseLookup } from './lookup.js';
import { licenseByKey } from './lookup.js';
import { licenseState } from './status.js';
import type { ValidationTouches } from './validation-touches.js';

export type InvalidCode = 'LICENSE_NOT_FOUND' | 'LICENSE_REVOKED' | 'LICENSE_EXPIRED' | 'NOT_ACTIVATED';

export interface LicenseSummary {
  id: number;
  expiresAt: number | null;
  maxDevices: number;
  activationsUsed: number;
  /** What a license token for the device says about the license. */
  token: TokenLicense;
}

/** An invalid license is a failed Result here; the API still answers it 200 with `valid: false`. */
export type ValidateResult = Result<{ license: LicenseSummary; activation: ActivationView | null }, InvalidCode>;

/** last_validated_at is written at most this often per activation, not on every check. */
export const VALIDATION_TOUCH_MS = 60_000;

/**
 * Is this key usable (and, with a fingerprint, activated on this device)? The reasons are codes,
 * not exceptions: the seller's app decides what to show. The same work runs for every key — one
 * look-up, one constant-time fingerprint comparison — so timing does not separate an unknown key
 * from a known one presented with the wrong fingerprint.
 */
export async function validateLicense(
  deps: LicenseDeps,
  touches: Pick<ValidationTouches, 'record'>,
  input: { key: string; fingerprint?: string | undefined },
  lookup: LicenseLookup = (key) => licenseByKey(deps.db, key),
): Promise<ValidateResult> {
  const now = deps.runtime.now();
  const found = await lookup(input.key);
  const match =
    input.fingerprint === undefined
      ? undefined
      : findByFingerprint(found?.activations ?? [], fingerprintHash(input.fingerprint));
  if (!found) return { ok: false, code: 'LICENSE_NOT_FOUND' };
  const state = licenseState(found.license, now);
  if (state === 'revoked') return { ok: false, code: 'LICENSE_REVOKED' };
  if (state === 'expired') return { ok: false, code: 'LICENSE_EXPIRED' };
  if (input.fingerprint !== undefined && !match) return { ok: false, code: 'NOT_ACTIVATED' };
  if (match && now - match.last_validated_at >= VALIDATION_TOUCH_MS) {
    touches.record(match.id, now);
    match.last_validated_at = now;
  }
  const { license, activations } = found;
  return {
    ok: true,
    license: {
      id: license.id,
      expiresAt: license.expires_at,
      maxDevices: license.max_devices,
      activationsUsed: activations.length,
      token: tokenLicense(license),
    },
    activation: match ? activationView(match) : null,
  };
}
