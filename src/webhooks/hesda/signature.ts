import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { KeyMatch, SigningKeys } from '../signing-keys.js';
import { matchSigningKey } from '../signing-keys.js';

/**
 * Hesda signs the raw JSON body: X-Hesda-Signature = lowercase hex HMAC-SHA256(body, secret key)
 * (seed 003, "Verifikasi Signature"). The bytes as received are what counts: re-serialising the
 * JSON would change them.
 */
export function computeHesdaSignature(rawBody: Buffer | string, secretKey: string): string {
  return createHmac('sha256', secretKey).update(rawBody).digest('hex');
}

/**
 * Constant-time, like PHP's hash_equals in the seed, and length-blind: both sides are hashed to
 * 32 bytes first, so neither the length nor the content of the header leaks through timing.
 */
export function verifyHesdaSignature(rawBody: Buffer, secretKey: string, received: string): boolean {
  const expected = createHash('sha256').update(computeHesdaSignature(rawBody, secretKey), 'utf8').digest();
  const given = createHash('sha256').update(received.trim().toLowerCase(), 'utf8').digest();
  return timingSafeEqual(given, expected);
}

/** The current secret key, and during a rotation the previous one (HESDA_SECRET_KEY_PREVIOUS) in its window. */
export function matchHesdaSignature(rawBody: Buffer, keys: SigningKeys, now: number, received: string): KeyMatch {
  return matchSigningKey(keys, now, (key) => computeHesdaSignature(rawBody, key), received);
}
