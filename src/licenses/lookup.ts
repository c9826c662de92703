import type { Kysely } from 'kysely';
import type { Database, PrepareRead } from '../db/index.js';
import { executeCompiledOnce } from '../db/index.js';

/** The license columns the API reads, once: the answer's `license` and the joined row share them. */
interface LicenseFields {
  id: number;
  license_key: string;
  email: string;
  status: 'active' | 'revoked';
  expires_at: number | null;
  max_devices: number;
  product_uuid: string;
  product_title: string;
  offline_grace_days: number | null;
}

export interface LicenseWithActivations {
  license: LicenseFields;
  /** Live activations only, oldest first. */
  activations: { id: number; fingerprint_hash: string; name: string; created_at: number; last_validated_at: number }[];
}

interface Row extends LicenseFields {
  activation_id: number | null;
  fingerprint_hash: string | null;
  name: string | null;
  activated_at: number | null;
  last_validated_at: number | null;
}

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
  const probe = 'license key placeholder';
  const compiled = licenseQuery(db, probe).compile();
  // The key must be the statement's only parameter, or a value would bind to the wrong place.
  if (compiled.parameters.length !== 1 || compiled.parameters[0] !== probe)
    throw new Error('license look-up: the key is not the only parameter of the compiled statement');
  const statement = prepareRead(compiled.sql);
  const toRow = rowReader(statement.columns);
  return (key) => fromRows(statement.all([key]).map(toRow));
}

/** An array row (in `columns` order) as the Row Kysely would give. */
function rowReader(columns: readonly string[]): (values: unknown[]) => Row {
  const at = (name: keyof Row) => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`license look-up: no column ${name}`);
    return index;
  };
  const i = {
    id: at('id'),
    licenseKey: at('license_key'),
    email: at('email'),
    status: at('status'),
    expiresAt: at('expires_at'),
    maxDevices: at('max_devices'),
    productUuid: at('product_uuid'),
    productTitle: at('product_title'),
    graceDays: at('offline_grace_days'),
    activationId: at('activation_id'),
    fingerprintHash: at('fingerprint_hash'),
    name: at('name'),
    activatedAt: at('activated_at'),
    lastValidatedAt: at('last_validated_at'),
  };
  // The values are SQLite's own: the columns' types (schema.ts) say what each holds.
  return (v) =>
    ({
      id: v[i.id],
      license_key: v[i.licenseKey],
      email: v[i.email],
      status: v[i.status],
      expires_at: v[i.expiresAt],
      max_devices: v[i.maxDevices],
      product_uuid: v[i.productUuid],
      product_title: v[i.productTitle],
      offline_grace_days: v[i.graceDays],
      activation_id: v[i.activationId],
      fingerprint_hash: v[i.fingerprintHash],
      name: v[i.name],
      activated_at: v[i.activatedAt],
      last_validated_at: v[i.lastValidatedAt],
    }) as Row;
}

function fromRows(rows: readonly Row[]): LicenseWithActivations | null {
  const first = rows[0];
  if (!first) return null;
  const activations: LicenseWithActivations['activations'] = [];
  for (const r of rows) {
    if (r.activation_id === null) continue;
    activations.push({
      id: r.activation_id,
      fingerprint_hash: r.fingerprint_hash ?? '',
      name: r.name ?? '',
      created_at: Number(r.activated_at),
      last_validated_at: Number(r.last_validated_at),
    });
  }
  const license = {
    id: first.id,
    license_key: first.license_key,
    email: first.email,
    status: first.status,
    expires_at: first.expires_at === null ? null : Number(first.expires_at),
    max_devices: first.max_devices,
    product_uuid: first.product_uuid,
    product_title: first.product_title,
    offline_grace_days: first.offline_grace_days,
  };
  return { license, activations };
}
