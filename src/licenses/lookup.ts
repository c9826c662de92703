import type { Kysely } from 'kysely';
import type { Database, PrepareRead } from '../db/index.js';
import { executeCompiledOnce } from '../db/index.js';
import type { LicenseWithActivations, Row } from './lookup-rows.js';
import { fromRows, preparedLicenseLookup } from './lookup-rows.js';

export type { LicenseWithActivations } from './lookup-rows.js';

/** The one statement of a look-up: a unique-index probe on the key, then its live activations. */
function licenseQuery(db: Kysely<Database>, key: string) {
  return db
    .selectFrom('licenses as l')
    .leftJoin('license_activations as a', (join) =>
      join.onRef('a.license_id', '=', 'l.id').on('a.revoked_at', 'is', null),
    )
    .select([
      'l.id',
      'l.license_key',
      'l.email',
      'l.status',
      'l.expires_at',
      'l.max_devices',
      'l.product_uuid',
      'l.product_title',
      'l.offline_grace_days',
      'a.id as activation_id',
      'a.fingerprint_hash',
      'a.name',
      'a.created_at as activated_at',
      'a.last_validated_at',
    ])
    .where('l.license_key', '=', key)
    .orderBy('a.id');
}

/**
 * A license by key with its live activations, in one statement whatever the answer: a known and an
 * unknown key cost the same round trip (one unique-index probe), and the SQL is compiled once.
 */
export async function licenseByKey(db: Kysely<Database>, key: string): Promise<LicenseWithActivations | null> {
  const { rows } = await executeCompiledOnce<Database, Row>(db, 'license by key with live activations', [key], () =>
    licenseQuery(db, key),
  );
  return fromRows(rows);
}

/** How the validate endpoint finds a license: the same statement for every key (see validateLicense). */
export type LicenseLookup = (key: string) => Promise<LicenseWithActivations | null> | LicenseWithActivations | null;

/**
 * The validate endpoint's look-up (its hot path): on SQLite the same statement run synchronously on
 * a prepared better-sqlite3 statement, without Kysely's promise layers; elsewhere licenseByKey.
 */
export function licenseLookup(db: Kysely<Database>, prepareRead: PrepareRead | undefined): LicenseLookup {
  if (!prepareRead) return (key) => licenseByKey(db, key);
  return preparedLicenseLookup(prepareRead(licenseLookupSql(db)));
}

/**
 * The SQL of that statement, for preparing on any SQLite connection (the signing thread runs whole
 * validations on its own; see signing-worker.ts). Its one parameter is the key.
 */
export function licenseLookupSql(db: Kysely<Database>): string {
  const probe = 'license key placeholder';
  const compiled = licenseQuery(db, probe).compile();
  // The key must be the statement's only parameter, or a value would bind to the wrong place.
  if (compiled.parameters.length !== 1 || compiled.parameters[0] !== probe)
    throw new Error('license look-up: the key is not the only parameter of the compiled statement');
  return compiled.sql;
}
