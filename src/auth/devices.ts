import type { Kysely } from 'kysely';
import { sameDigest, sha256Hex } from '../crypto.js';
import type { Database } from '../db/index.js';
import { describeUserAgent } from '../shared/user-agent.js';
import { isDeviceToken, newDeviceToken } from './tokens.js';

export interface DeviceClaim {
  /** The device cookie the browser sent, if any. */
  token: string | undefined;
  /** The fingerprint the login page computed ('' when the page ran without JavaScript). */
  fingerprint: string;
  userAgent: string;
}

export interface ResolvedDevice {
  id: number;
  /** Set when a new device token was issued: the caller must send it as the device cookie. */
  newToken: string | null;
}

/**
 * Which device is logging in. The device cookie names a device only together with the fingerprint
 * it was issued to: a cookie replayed from a browser whose fingerprint differs (copied to another
 * machine) counts as a different, new device, and gets its own token. So does a cookie whose device
 * is held by another browser right now (`heldElsewhere`: a live session this browser cannot show):
 * fingerprints are a kind of device, not a unique one, so a copied cookie with a matching
 * fingerprint must still meet the one-device rule instead of passing as the original.
 */
export async function resolveDevice(
  db: Kysely<Database>,
  claim: DeviceClaim,
  now: number,
  randomBytes: (n: number) => Buffer,
  heldElsewhere: (deviceId: number) => Promise<boolean> = async () => false,
): Promise<ResolvedDevice> {
  const { browser, os } = describeUserAgent(claim.userAgent);
  const userAgent = claim.userAgent.slice(0, 512);
  if (isDeviceToken(claim.token)) {
    const known = await db
      .selectFrom('devices')
      .select(['id', 'fingerprint'])
      .where('token_hash', '=', sha256Hex(claim.token))
      .executeTakeFirst();
    if (known && sameFingerprint(known.fingerprint, claim.fingerprint) && !(await heldElsewhere(known.id))) {
      await db
        .updateTable('devices')
        .set({ last_seen_at: now, user_agent: userAgent, browser, os })
        .where('id', '=', known.id)
        .execute();
      return { id: known.id, newToken: null };
    }
  }
  const token = newDeviceToken(randomBytes);
  const row = await db
    .insertInto('devices')
    .values({
      token_hash: sha256Hex(token),
      fingerprint: claim.fingerprint,
      user_agent: userAgent,
      browser,
      os,
      created_at: now,
      last_seen_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, newToken: token };
}

function sameFingerprint(stored: string, presented: string): boolean {
  if (stored === '' && presented === '') return true;
  return sameDigest(stored, presented);
}

/** The device a cookie names (no fingerprint check: used to bind a confirmation to the same browser). */
export async function deviceIdForToken(db: Kysely<Database>, token: string | undefined): Promise<number | null> {
  if (!isDeviceToken(token)) return null;
  const row = await db.selectFrom('devices').select('id').where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
  return row?.id ?? null;
}
