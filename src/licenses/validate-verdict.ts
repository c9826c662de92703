import type { Result } from '../errors.js';
import type { ActivationView, TokenLicense } from './deps.js';
import { activationView, tokenLicense } from './deps.js';
import { findByFingerprint, fingerprintHash } from './fingerprints.js';
import type { LicenseWithActivations } from './lookup-rows.js';
import { licenseState } from './status.js';

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
 * The rule of validation over what the look-up found, with no I/O: the event loop and the signing
 * thread (which runs whole validations on SQLite) decide with this one function. The same work
 * runs for every key — one constant-time fingerprint comparison — so timing does not separate an
 * unknown key from a known one presented with the wrong fingerprint. `touch`: the activation whose
 * "last validated" time is due (at most once a VALIDATION_TOUCH_MS); the answer already shows it.
 */
export function validationVerdict(
  found: LicenseWithActivations | null,
  input: { fingerprint?: string | undefined },
  now: number,
): { result: ValidateResult; touch: number | null } {
  const match =
    input.fingerprint === undefined
      ? undefined
      : findByFingerprint(found?.activations ?? [], fingerprintHash(input.fingerprint));
  if (!found) return { result: { ok: false, code: 'LICENSE_NOT_FOUND' }, touch: null };
  const state = licenseState(found.license, now);
  if (state === 'revoked') return { result: { ok: false, code: 'LICENSE_REVOKED' }, touch: null };
  if (state === 'expired') return { result: { ok: false, code: 'LICENSE_EXPIRED' }, touch: null };
  if (input.fingerprint !== undefined && !match) return { result: { ok: false, code: 'NOT_ACTIVATED' }, touch: null };
  let touch: number | null = null;
  if (match && now - match.last_validated_at >= VALIDATION_TOUCH_MS) {
    touch = match.id;
    match.last_validated_at = now;
  }
  const { license, activations } = found;
  const result: ValidateResult = {
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
  return { result, touch };
}
