import { generateKeyPairSync } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Database, LicenseSigningKey } from '../db/index.js';
import { isUniqueViolation } from '../db/index.js';
import { openSecret, sealSecret } from '../secret-box.js';
import type { LicenseJwk } from './token.js';
import { jwkThumbprint, publicJwk } from './token.js';

/**
 * The Ed25519 keys that sign license tokens, kept in the database so every instance signs with the
 * same key and a rotation reaches them all. One key is active (`active = 1`, unique); a rotation
 * retires it and keeps its public half published until the last token it may have signed has
 * expired: its retirement + the longest offline grace of any license + KEY_REFRESH_MS (another
 * instance may sign with it until its cached copy is refreshed).
 */

/** How long an instance keeps using the active key it loaded before asking the database again. */
export const KEY_REFRESH_MS = 60_000;

const DAY_MS = 86_400_000;

export interface KeySecrets {
  /** COOKIE_SECRET: the private key is sealed under a key derived from it. */
  masterSecret: string;
  /** LICENSE_TOKEN_GRACE_DAYS, for licenses that carry no grace of their own. */
  defaultGraceDays: number;
}

function newKeyRow(masterSecret: string, now: number) {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string' || typeof jwk.d !== 'string') throw new Error('Ed25519 key export failed');
  return {
    kid: jwkThumbprint(jwk.x),
    public_key: jwk.x,
    private_key: sealSecret(jwk.d, masterSecret, 'license-signing-key'),
    active: 1,
    created_at: now,
    retired_at: null,
    published_until: null,
  };
}

/** The active key's private half (`d`), or null when it was sealed under another COOKIE_SECRET. */
export function openPrivateKey(row: LicenseSigningKey, masterSecret: string): string | null {
  return openSecret(row.private_key, masterSecret, 'license-signing-key');
}

export function findActiveKey(db: Kysely<Database>): Promise<LicenseSigningKey | undefined> {
  return db.selectFrom('license_signing_keys').selectAll().where('active', '=', 1).executeTakeFirst();
}

/** The active key, created on first use (two instances creating it at once end with one). */
export async function ensureActiveKey(db: Kysely<Database>, masterSecret: string, now: number) {
  const found = await findActiveKey(db);
  if (found) return found;
  try {
    await db.insertInto('license_signing_keys').values(newKeyRow(masterSecret, now)).execute();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  const created = await findActiveKey(db);
  if (!created) throw new Error('no active license signing key after creating one');
  return created;
}

/** The latest a token signed now may expire, in ms from now (the longest grace any license has). */
async function longestGraceMs(db: Kysely<Database>, defaultGraceDays: number): Promise<number> {
  const row = await db
    .selectFrom('licenses')
    .select((eb) => eb.fn.max('offline_grace_days').as('days'))
    .executeTakeFirst();
  return Math.max(defaultGraceDays, Number(row?.days ?? 0)) * DAY_MS;
}

export type RotateReason = 'operator' | 'unreadable';

/**
 * Retires the active key and creates its successor. `revokePrevious` (the old key leaked) also
 * stops publishing every retired key at once: tokens they signed fail offline checks from now on,
 * and apps must come online for a new token.
 */
export async function rotateSigningKey(
  db: Kysely<Database>,
  secrets: KeySecrets,
  options: { now: number; actor: AuditActor; reason: RotateReason; revokePrevious?: boolean },
): Promise<LicenseSigningKey> {
  const { now } = options;
  const publishFor = (await longestGraceMs(db, secrets.defaultGraceDays)) + KEY_REFRESH_MS;
  return db.transaction().execute(async (trx) => {
    const retired = await trx
      .updateTable('license_signing_keys')
      .set({ active: null, retired_at: now, published_until: now + publishFor })
      .where('active', '=', 1)
      .returning('kid')
      .execute();
    if (options.revokePrevious)
      await trx
        .updateTable('license_signing_keys')
        .set({ published_until: now })
        .where('retired_at', 'is not', null)
        .execute();
    const row = newKeyRow(secrets.masterSecret, now);
    await trx.insertInto('license_signing_keys').values(row).execute();
    await recordAudit(
      trx,
      options.actor,
      {
        action: 'license_key.rotate',
        target: { type: 'license_signing_key', id: row.kid },
        details: {
          retired: retired.map((r) => r.kid),
          reason: options.reason,
          revokePrevious: !!options.revokePrevious,
        },
      },
      now,
    );
    return trx.selectFrom('license_signing_keys').selectAll().where('kid', '=', row.kid).executeTakeFirstOrThrow();
  });
}

/** Every key whose tokens may still be valid: the active one and retired ones within their window. */
export async function publishedKeys(db: Kysely<Database>, now: number): Promise<LicenseJwk[]> {
  const rows = await db
    .selectFrom('license_signing_keys')
    .select(['kid', 'public_key'])
    .where((eb) => eb.or([eb('active', '=', 1), eb('published_until', '>', now)]))
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => publicJwk(r.public_key, r.kid));
}

/** All keys, newest first, for `gerbang keys show` (never their private halves). */
export function listSigningKeys(db: Kysely<Database>) {
  return db
    .selectFrom('license_signing_keys')
    .select(['id', 'kid', 'public_key', 'active', 'created_at', 'retired_at', 'published_until'])
    .orderBy('id', 'desc')
    .execute();
}
