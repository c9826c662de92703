import { z } from 'zod';
import { inputText } from '../text-input.js';
import { isMemberDeviceFingerprint } from './fingerprints.js';

/** The bodies of the public license API (/api/licenses/*), the one place their shape is decided. */

// Keys are typed by people: surrounding spaces are dropped, the rest must match exactly.
const key = inputText().trim().min(1).max(100);
// Any stable id the seller's app has for a machine (Keygen and Lemon Squeezy accept the same), but
// never one of the member area's: that would act as a member's browser on their license.
const fingerprint = inputText()
  .min(1)
  .max(256)
  .refine((value) => !isMemberDeviceFingerprint(value), {
    error: 'awalan ini khusus perangkat member di halaman produk',
  });
export const activateBody = z.object({ key, fingerprint, name: inputText().trim().max(100).optional() });
export const validateBody = z.object({ key, fingerprint: fingerprint.optional() });
export const deactivateBody = z
  .object({ key, activation_id: z.number().int().positive().optional(), fingerprint: fingerprint.optional() })
  .refine((b) => (b.activation_id === undefined) !== (b.fingerprint === undefined), {
    message: 'isi tepat salah satu: activation_id atau fingerprint',
  });
