/**
 * The previous system's two tables, reduced to what the import uses (seed 000: the `member` model
 * and the `lynk_webhook` model). Real installs grew other columns (timestamps, photos, …): they
 * are read and ignored. Every value arrives as text whatever the source (MySQL driver or .sql
 * dump), so both sources feed one planner.
 */

/** A row of `member`. */
export interface LegacyMemberRow {
  /** The old primary key (or the row's position when the table has none), for the report. */
  ref: string;
  role: string;
  username: string;
  email: string;
  /** PHP password_hash(): bcrypt `$2y$10$…`; for members the webhook registered, of their phone number. */
  password: string;
  phone: string;
  name: string;
}

/** A row of `lynk_webhook`: one license key sold through Lynk. */
export interface LegacyLicenseRow {
  ref: string;
  email: string;
  key: string;
  /** The Lynk item uuid (`items[0].uuid` of the payment). */
  productUuid: string;
  deviceActive: string;
  orderNo: string;
  transactionNo: string;
  /** Lynk's refId of the payment. */
  refId: string;
  /** `created_at` when the table has one (a naive MySQL DATETIME), else ''. */
  createdAt: string;
}

export interface LegacyData {
  members: LegacyMemberRow[];
  licenses: LegacyLicenseRow[];
}

/** The old table names; the seed's diagram also calls the license table `webhook_lynk`. */
export const MEMBER_TABLES = ['member', 'members'] as const;
export const LICENSE_TABLES = ['lynk_webhook', 'webhook_lynk'] as const;

export type LegacyValue = string | number | bigint | boolean | null | undefined | Buffer | Uint8Array | Date;

/** One value as text: NULL is '', bytes are UTF-8 (the old tables were utf8/utf8mb4). */
export function legacyText(value: LegacyValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  return String(value);
}

/** Column names compared without case: MySQL itself ignores their case. */
function field(record: ReadonlyMap<string, string>, name: string): string {
  return record.get(name) ?? '';
}

function lowerKeys(record: Record<string, LegacyValue>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(record)) out.set(name.toLowerCase(), legacyText(value));
  return out;
}

export function memberRowFrom(record: Record<string, LegacyValue>, position: number): LegacyMemberRow {
  const r = lowerKeys(record);
  return {
    ref: field(r, 'id') || `baris ${position}`,
    role: field(r, 'role'),
    username: field(r, 'username'),
    email: field(r, 'email'),
    password: field(r, 'password'),
    phone: field(r, 'pic_phone'),
    name: field(r, 'pic'),
  };
}

export function licenseRowFrom(record: Record<string, LegacyValue>, position: number): LegacyLicenseRow {
  const r = lowerKeys(record);
  return {
    ref: field(r, 'id') || `baris ${position}`,
    email: field(r, 'email'),
    key: field(r, 'key_license'),
    productUuid: field(r, 'produk_digital'),
    deviceActive: field(r, 'device_active'),
    orderNo: field(r, 'id_order'),
    transactionNo: field(r, 'id_transaction'),
    refId: field(r, 'trx_lynk_id'),
    createdAt: field(r, 'created_at'),
  };
}
