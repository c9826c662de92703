import { createHash, timingSafeEqual } from 'node:crypto';
import type { PreviousKey } from '../config/index.js';

/**
 * A webhook secret being rotated: the sender (Lynk.id, Hesda) switches to the new key at a moment
 * we do not control, so for a while both the new and the old key must verify — as Stripe keeps an
 * old endpoint secret valid after a roll and Standard Webhooks accepts several secrets.
 */

export interface SigningKeys {
  readonly current: string;
  readonly previous: PreviousKey | undefined;
}

/** Which key a signature matched: the old one tells the operator the sender has not switched yet. */
export type KeyMatch = 'current' | 'previous' | null;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Does a received signature header equal the expected hex signature? Constant time, and
 * length-blind: both sides are hashed to 32 bytes first, so timingSafeEqual always compares 32
 * bytes and neither the length nor the content of the header leaks through timing. Case and
 * surrounding white space of the header do not matter (hex is hex).
 */
export function signatureMatches(received: string, expected: string): boolean {
  return timingSafeEqual(digest(received.trim().toLowerCase()), digest(expected));
}

/**
 * Compares the received signature with the one each configured key gives, without short-circuit:
 * both comparisons always run, so the time taken does not say whether the current key matched.
 * The previous key outside its window is still compared (same work) but does not count.
 */
export function matchSigningKey(
  keys: SigningKeys,
  now: number,
  expectedFor: (key: string) => string,
  received: string,
): KeyMatch {
  const current = signatureMatches(received, expectedFor(keys.current));
  const previousMatched = signatureMatches(received, expectedFor(keys.previous?.key ?? keys.current));
  const previousOpen = keys.previous !== undefined && (keys.previous.until === undefined || now < keys.previous.until);
  if (current) return 'current';
  return previousMatched && previousOpen ? 'previous' : null;
}

/** Deliveries verified only by a previous key, per provider, since start (GET /metrics). */
export class PreviousKeyUse {
  lynk = 0;
  hesda = 0;
}
