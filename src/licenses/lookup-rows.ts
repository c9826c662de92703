/**
 * The validate look-up's rows as the API uses them, without Kysely: the server's prepared statement
 * (lookup.ts) and the signing thread's (signing-worker.ts) read them the same way.
 */

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

export interface Row extends LicenseFields {
  activation_id: number | null;
  fingerprint_hash: string | null;
  name: string | null;
  activated_at: number | null;
  last_validated_at: number | null;
}

/** A prepared read statement: rows as arrays, in `columns` order (db/connect.ts's PrepareRead). */
export interface PreparedRead {
  readonly columns: readonly string[];
  all(parameters: readonly unknown[]): unknown[][];
}

/** A license by key from a prepared look-up statement whose only parameter is the key. */
export function preparedLicenseLookup(statement: PreparedRead): (key: string) => LicenseWithActivations | null {
  const toRow = rowReader(statement.columns);
  return (key) => fromRows(statement.all([key]).map(toRow));
}

/** An array row (in `columns` order) as the Row Kysely would give. */
export function rowReader(columns: readonly string[]): (values: unknown[]) => Row {
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

export function fromRows(rows: readonly Row[]): LicenseWithActivations | null {
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
