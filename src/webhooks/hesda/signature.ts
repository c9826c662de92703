import { createHmac } from 'node:crypto';
import type { KeyMatch, SigningKeys } from '../signing-keys.js';
import { matchSigningKey, signatureMatches } from '../signing-keys.js';

/**
 * Hesda signs the raw JSON body: X-Hesda-Signature = lowercase hex HMAC-SHA256(body, secret key)
 * (seed 003, "Verifikasi Signature"). The bytes as received are what counts: re-serialising the
 * JSON would change them.
 */
export function computeHesdaSignature(rawBody: Buffer | string, secretKey: string): string {
  return createHmac('sha256', secretKey).update(rawBody).digest('hex');
}

/** One key's check: constant time, like PHP's hash_equals in the seed (see signatureMatches). */
export function verifyHesdaSignature(rawBody: Buffer, secretKey: string, received: string): boolean {
  return signatureMatches(received, computeHesdaSignature(rawBody, secretKey));
}

/** The current secret key, and during a rotation the previous one (HESDA_SECRET_KEY_PREVIOUS) in its window. */
export function matchHesdaSignature(rawBody: Buffer, keys: SigningKeys, now: number, received: string): KeyMatch {
  return matchSigningKey(keys, now, (key) => computeHesdaSignature(rawBody, key), received);
}
