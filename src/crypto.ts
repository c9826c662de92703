import { createHash, timingSafeEqual } from 'node:crypto';

/** Hashing and comparison shared by every layer (sessions, devices, license fingerprints, links). */

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests (no early exit on the first differing byte). */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
