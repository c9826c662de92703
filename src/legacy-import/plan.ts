import type { ProductCatalog } from '../products/index.js';
import { resolveProductAction } from '../products/index.js';
import type { LegacyData, LegacyLicenseRow, LegacyMemberRow } from './legacy-rows.js';
import { wallClockToEpoch } from './wall-clock.js';

/** What Gerbang already holds of the legacy rows (looked up by existing-state.ts). */
export interface ExistingState {
  /** By lower-case email: whether the member came from an earlier import. */
  members: ReadonlyMap<string, { imported: boolean }>;
  licenseKeys: ReadonlyMap<string, { imported: boolean }>;
  /** Lynk orders by refId, with the next free unit number of their first line. */
  orders: ReadonlyMap<string, { id: number; nextUnit: number }>;
  /** A product title Gerbang has seen for a Lynk uuid. */
  productTitles: ReadonlyMap<string, string>;
}

export type SkipCode =
  | 'ALREADY_IMPORTED'
  | 'NO_EMAIL'
  | 'INVALID_EMAIL'
  | 'DUPLICATE_EMAIL'
  | 'NOT_A_MEMBER'
  | 'MEMBER_EXISTS'
  | 'NO_KEY'
  | 'INVALID_KEY'
  | 'DUPLICATE_KEY'
  | 'KEY_EXISTS';

export interface SkippedRow {
  table: 'member' | 'lynk_webhook';
  ref: string;
  code: SkipCode;
  reason: string;
}

/** Imported, with something the seller should know. */
export interface ImportWarning {
  table: 'member' | 'lynk_webhook';
  ref: string;
  code: 'PASSWORD_NOT_BCRYPT';
  message: string;
}

export interface MemberToCreate {
  ref: string;
  email: string;
  name: string;
  phone: string;
  /** The old bcrypt hash, kept as is; null when it was no bcrypt hash (nobody can log in with it). */
  bcryptHash: string | null;
}

export interface LicenseToCreate {
  ref: string;
  key: string;
  email: string;
  productUuid: string;
  productTitle: string;
  unitNo: number;
  maxDevices: number;
  onLimit: 'refuse' | 'takeover';
  createdAt: number;
  expiresAt: number | null;
  legacyOrderNo: string | null;
  legacyTransactionNo: string | null;
  /** The old `device_active` value: the one device the key is in use on (becomes an activation). */
  deviceActive: string | null;
}

/** One Lynk payment (refId): its order is created unless Gerbang has it already. */
export interface OrderToFill {
  externalRef: string;
  existingOrderId: number | null;
  email: string;
  customerName: string;
  phone: string;
  paidAt: string | null;
  licenses: LicenseToCreate[];
}

export interface ImportPlan {
  members: MemberToCreate[];
  orders: OrderToFill[];
  skipped: SkippedRow[];
  warnings: ImportWarning[];
  totals: { memberRows: number; licenseRows: number };
}

export interface PlanSettings {
  catalog: ProductCatalog;
  now: number;
  timeZone: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const DAY_MS = 86_400_000;
/** `device_active` values that say "no device" rather than naming one. */
const NO_DEVICE = new Set(['', '0', 'null', 'false', '-']);

function checkEmail(raw: string): { email: string } | { code: 'NO_EMAIL' | 'INVALID_EMAIL'; reason: string } {
  const email = raw.trim().toLowerCase();
  if (email === '') return { code: 'NO_EMAIL', reason: 'email kosong' };
  if (email.length > 254 || !EMAIL.test(email)) return { code: 'INVALID_EMAIL', reason: `email tidak valid: ${raw}` };
  return { email };
}

function planMembers(rows: readonly LegacyMemberRow[], existing: ExistingState, plan: ImportPlan): void {
  const seen = new Map<string, LegacyMemberRow>();
  for (const row of rows) {
    const skip = (code: SkipCode, reason: string) => plan.skipped.push({ table: 'member', ref: row.ref, code, reason });
    const role = row.role.trim().toLowerCase();
    if (role !== '' && role !== 'member') {
      skip('NOT_A_MEMBER', `peran "${row.role}" tidak diimpor; buat admin dengan \`gerbang admin create\``);
      continue;
    }
    const checked = checkEmail(row.email.trim() === '' ? row.username : row.email);
    if ('code' in checked) {
      skip(checked.code, checked.reason);
      continue;
    }
    const { email } = checked;
    const first = seen.get(email);
    if (first) {
      // The old login took the first row of a username (MySQL compares without case): that row's
      // password is the one that worked, so it is the one kept.
      const casing = (first.email || first.username).trim() !== (row.email || row.username).trim();
      skip(
        'DUPLICATE_EMAIL',
        `email sama dengan baris ${first.ref}${casing ? ' (beda huruf besar/kecil)' : ''}: digabung menjadi satu member`,
      );
      continue;
    }
    seen.set(email, row);
    const already = existing.members.get(email);
    if (already) {
      if (already.imported) skip('ALREADY_IMPORTED', 'sudah diimpor');
      else skip('MEMBER_EXISTS', 'sudah ada di Gerbang; tidak diubah');
      continue;
    }
    const hash = row.password.trim();
    const bcryptHash = BCRYPT.test(hash) ? hash : null;
    if (!bcryptHash)
      plan.warnings.push({
        table: 'member',
        ref: row.ref,
        code: 'PASSWORD_NOT_BCRYPT',
        message: `kata sandi lama bukan hash bcrypt: ${email} masuk lewat tautan email lalu membuat kata sandi baru`,
      });
    plan.members.push({
      ref: row.ref,
      email,
      name: row.name.trim().slice(0, 200),
      phone: row.phone.trim().slice(0, 40),
      bcryptHash,
    });
  }
}

function planLicenses(
  rows: readonly LegacyLicenseRow[],
  members: readonly LegacyMemberRow[],
  existing: ExistingState,
  settings: PlanSettings,
  plan: ImportPlan,
): void {
  const people = new Map<string, LegacyMemberRow>();
  for (const m of members) {
    const email = (m.email || m.username).trim().toLowerCase();
    if (!people.has(email)) people.set(email, m);
  }
  const seenKeys = new Map<string, string>();
  const orders = new Map<string, OrderToFill>();
  const nextUnit = new Map<string, number>();
  for (const row of rows) {
    const skip = (code: SkipCode, reason: string) =>
      plan.skipped.push({ table: 'lynk_webhook', ref: row.ref, code, reason });
    const key = row.key.trim();
    if (key === '') {
      skip('NO_KEY', 'kunci lisensi kosong');
      continue;
    }
    if (key.length > 100 || /\s/.test(key)) {
      skip('INVALID_KEY', `kunci lisensi tidak valid: ${key.slice(0, 40)}`);
      continue;
    }
    const checked = checkEmail(row.email);
    if ('code' in checked) {
      skip(checked.code, `${checked.reason} (kunci ${key})`);
      continue;
    }
    const first = seenKeys.get(key);
    if (first !== undefined) {
      skip('DUPLICATE_KEY', `kunci ${key} sama dengan baris ${first}`);
      continue;
    }
    seenKeys.set(key, row.ref);
    const already = existing.licenseKeys.get(key);
    if (already) {
      if (already.imported) skip('ALREADY_IMPORTED', 'sudah diimpor');
      else skip('KEY_EXISTS', `kunci ${key} sudah dipakai lisensi Gerbang`);
      continue;
    }
    const { email } = checked;
    const uuid = row.productUuid.trim();
    const action = resolveProductAction(settings.catalog, { uuid, title: '' });
    // A lynk_webhook row always was a license (the old webhook stored members elsewhere); a rule
    // that makes this uuid a membership leaves it at the one-device default.
    const rule =
      action.action === 'license' ? action : { maxDevices: 1, validityDays: null, onLimit: 'refuse' as const };
    const createdAt = wallClockToEpoch(row.createdAt, settings.timeZone) ?? settings.now;
    const externalRef = row.refId.trim() || `impor:${key}`;
    let order = orders.get(externalRef);
    if (!order) {
      const known = existing.orders.get(externalRef);
      const person = people.get(email);
      order = {
        externalRef,
        existingOrderId: known?.id ?? null,
        email,
        customerName: person?.name.trim().slice(0, 200) ?? '',
        phone: person?.phone.trim().slice(0, 40) ?? '',
        paidAt: row.createdAt.trim() || null,
        licenses: [],
      };
      orders.set(externalRef, order);
      plan.orders.push(order);
      nextUnit.set(externalRef, known?.nextUnit ?? 1);
    }
    const unitNo = nextUnit.get(externalRef) ?? 1;
    nextUnit.set(externalRef, unitNo + 1);
    const device = row.deviceActive.trim();
    order.licenses.push({
      ref: row.ref,
      key,
      email,
      productUuid: uuid,
      productTitle: existing.productTitles.get(uuid) ?? legacyProductTitle(uuid),
      unitNo,
      maxDevices: rule.maxDevices,
      onLimit: rule.onLimit,
      createdAt,
      expiresAt: rule.validityDays === null ? null : createdAt + rule.validityDays * DAY_MS,
      legacyOrderNo: row.orderNo.trim() || null,
      legacyTransactionNo: row.transactionNo.trim() || null,
      deviceActive: NO_DEVICE.has(device.toLowerCase()) ? null : device.slice(0, 256),
    });
  }
}

/**
 * Decides, without touching anything, what the import does with every old row: create, or skip
 * with a reason. Run again after a partial import it plans exactly what is still missing.
 */
export function planImport(data: LegacyData, existing: ExistingState, settings: PlanSettings): ImportPlan {
  const plan: ImportPlan = {
    members: [],
    orders: [],
    skipped: [],
    warnings: [],
    totals: { memberRows: data.members.length, licenseRows: data.licenses.length },
  };
  planMembers(data.members, existing, plan);
  planLicenses(data.licenses, data.members, existing, settings, plan);
  return plan;
}

/**
 * The old system kept only a product's Lynk UUID, no title. Without a title Gerbang knows (a key or
 * an order it received for that UUID), the buyer reads this: short, and still telling two products
 * apart by the start of their UUID.
 */
export function legacyProductTitle(uuid: string): string {
  return uuid ? `Produk sistem lama (${uuid.slice(0, 8)})` : 'Produk sistem lama';
}
