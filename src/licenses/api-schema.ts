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

const isoTime = { type: ['string', 'null'] } as const;

/**
 * The validate answer's JSON Schema, for Fastify's response serializer (fast-json-stringify: the
 * answer is written field by field instead of walked by JSON.stringify, on the API's hot path).
 * Every 200 of /api/licenses/validate has this shape: `valid:false` answers carry only the first
 * three fields. A field missing here would be dropped from the answer, so the tests compare
 * whole answers.
 */
export const validateAnswerSchema = {
  type: 'object',
  required: ['valid', 'code', 'message'],
  properties: {
    valid: { type: 'boolean' },
    code: { type: 'string' },
    message: { type: 'string' },
    license: {
      type: 'object',
      required: ['expires_at', 'max_devices', 'activations_used'],
      properties: {
        expires_at: isoTime,
        max_devices: { type: 'integer' },
        activations_used: { type: 'integer' },
      },
    },
    activation: {
      type: ['object', 'null'],
      required: ['id', 'name', 'created_at', 'last_validated_at'],
      properties: {
        id: { type: 'integer' },
        name: { type: 'string' },
        created_at: isoTime,
        last_validated_at: isoTime,
      },
    },
    token: { type: ['string', 'null'] },
  },
} as const;
