import { z } from 'zod';
import { inputText } from '../text-input.js';
import { isMemberDeviceFingerprint } from './fingerprints.js';
import { canonicalLicenseKey } from './keys.js';

/** The bodies of the public license API (/api/licenses/*), the one place their shape is decided. */

// Any stable id the seller's app has for a machine (Keygen and Lemon Squeezy accept the same), but
// never one of the member area's: that would act as a member's browser on their license.
const fingerprint = inputText()
  .min(1)
  .max(256)
  .refine((value) => !isMemberDeviceFingerprint(value), {
    error: 'awalan ini khusus perangkat member di halaman produk',
  });

/**
 * Keys are typed by people: surrounding spaces are dropped and letter case does not matter (the
 * canonical form is what the database holds). The rate limiter counts the canonical key too, so
 * `kei-…` and `KEI-…` share one per-key limit.
 */
export function licenseApiSchemas(prefix: string) {
  const key = inputText()
    .trim()
    .min(1)
    .max(100)
    .transform((value) => canonicalLicenseKey(value, prefix));
  return {
    activate: z.object({ key, fingerprint, name: inputText().trim().max(100).optional() }),
    validate: z.object({ key, fingerprint: fingerprint.optional() }),
    deactivate: z
      .object({ key, activation_id: z.number().int().positive().optional(), fingerprint: fingerprint.optional() })
      .refine((b) => (b.activation_id === undefined) !== (b.fingerprint === undefined), {
        message: 'isi tepat salah satu: activation_id atau fingerprint',
      }),
  };
}

/** The bodies for the default prefix (`KEI-`), for callers that need no other. */
export const { activate: activateBody, validate: validateBody, deactivate: deactivateBody } = licenseApiSchemas('KEI-');
