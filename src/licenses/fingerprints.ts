import { sameDigest, sha256Hex } from '../crypto.js';

/**
 * Fingerprints come from the seller's app (any stable machine id, as Keygen and Lemon Squeezy
 * accept) or, for the member's "open product" page, from the server-issued device. Only their
 * SHA-256 is stored: answers list devices by id and name, never another device's fingerprint.
 */
export function fingerprintHash(fingerprint: string): string {
  return sha256Hex(`gerbang-activation:${fingerprint}`);
}

/** The namespace of the fingerprints the server derives for members' browsers. */
const MEMBER_DEVICE_NAMESPACE = 'gerbang-member-device:';

/** The fingerprint of a member's browser: its device row (a random HttpOnly token), not its JS hash. */
export function memberDeviceFingerprint(deviceId: number): string {
  return `${MEMBER_DEVICE_NAMESPACE}${deviceId}`;
}

/**
 * Whether a fingerprint lies in the members' namespace. Only the server may use it: device ids are
 * small counters, so a public API caller naming one would validate, take over or release a
 * member's browser activation without its device cookie.
 */
export function isMemberDeviceFingerprint(fingerprint: string): boolean {
  return fingerprint.startsWith(MEMBER_DEVICE_NAMESPACE);
}

// A valid digest no activation has: an unknown key still costs one comparison.
const NO_MATCH = sha256Hex('gerbang: no activation, same work');

/**
 * The activation holding `hash`, compared in constant time against every candidate with no early
 * exit: how long the answer takes says nothing about which byte (or which row) differed.
 */
export function findByFingerprint<T extends { fingerprint_hash: string }>(rows: readonly T[], hash: string) {
  if (rows.length === 0) {
    sameDigest(NO_MATCH, hash);
    return undefined;
  }
  let found: T | undefined;
  for (const row of rows) if (sameDigest(row.fingerprint_hash, hash)) found = row;
  return found;
}
