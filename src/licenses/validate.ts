import type { LicenseDeps } from './deps.js';
import type { LicenseLookup } from './lookup.js';
import { licenseByKey } from './lookup.js';
import type { ValidateResult } from './validate-verdict.js';
import { validationVerdict } from './validate-verdict.js';
import type { ValidationTouches } from './validation-touches.js';

export type { InvalidCode, LicenseSummary, ValidateResult } from './validate-verdict.js';
export { VALIDATION_TOUCH_MS } from './validate-verdict.js';

/**
 * Is this key usable (and, with a fingerprint, activated on this device)? The reasons are codes,
 * not exceptions: the seller's app decides what to show. One look-up, then validationVerdict.
 */
export async function validateLicense(
  deps: LicenseDeps,
  touches: Pick<ValidationTouches, 'record'>,
  input: { key: string; fingerprint?: string | undefined },
  lookup: LicenseLookup = (key) => licenseByKey(deps.db, key),
): Promise<ValidateResult> {
  const now = deps.runtime.now();
  const { result, touch } = validationVerdict(await lookup(input.key), input, now);
  if (touch !== null) touches.record(touch, now);
  return result;
}
