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
 * Compares the received signature with the one each configured key gives, in constant time and
 * without short-circuit: both comparisons always run, so the time taken does not say whether the
 * current key matched. Both sides are hashed to 32 bytes first, so the header's length leaks nothing.
 * The previous key outside its window is still compared (same work) but does not count.
 */
export function matchSigningKey(
  keys: SigningKeys,
  now: number,
  expectedFor: (key: string) => string,
  received: string,
): KeyMatch {
  const given = digest(received.trim().toLowerCase());
  const current = timingSafeEqual(given, digest(expectedFor(keys.current)));
  const previousKey = keys.previous?.key ?? keys.current;
  const previousMatched = timingSafeEqual(given, digest(expectedFor(previousKey)));
  const previousOpen = keys.previous !== undefined && (keys.previous.until === undefined || now < keys.previous.until);
  if (current) return 'current';
  return previousMatched && previousOpen ? 'previous' : null;
}

/** Deliveries verified only by a previous key, per provider, since start (GET /metrics). */
export class PreviousKeyUse {
  lynk = 0;
  hesda = 0;
}
