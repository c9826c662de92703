import type { Insertable, Kysely } from 'kysely';
import type { Database, LicensesTable } from '../db/index.js';
import { fingerprintHash, newOrderNo, newTransactionNo } from '../licenses/index.js';
import type { PhoneChecker } from './phone-check.js';
import type { ImportPlan, LicenseToCreate, MemberToCreate, OrderToFill } from './plan.js';
import type { ImportProgress } from './progress.js';

export interface ApplyDeps {
  db: Kysely<Database>;
  now: number;
  prefix: string;
  randomBytes: (n: number) => Buffer;
  /** Rows per transaction: an interruption loses at most the batch being written. */
  batchSize: number;
  /** Null: the phone-number check is left to each member's first login (src/auth/login.ts). */
  phoneChecker: PhoneChecker | null;
  progress: ImportProgress;
}

export interface ApplyCounts {
  membersCreated: number;
  /** Members whose old password still was their phone number: they choose a new one first. */
  phoneDefault: number;
  ordersCreated: number;
  licensesCreated: number;
  activationsCreated: number;
}

/** Not a hash of anything: no password verifies against it (the member signs in by emailed link). */
const NO_PASSWORD = '!impor: tanpa kata sandi';
/** A license row is ~19 values: this stays below both dialects' bound-parameter limits. */
const INSERT_CHUNK = 500;
const ACTIVATION_NAME = 'Perangkat dari sistem lama';

async function applyMemberBatch(deps: ApplyDeps, batch: readonly MemberToCreate[], counts: ApplyCounts) {
  // Compared before the transaction: bcrypt is slow and the batch's writes should not wait on it.
  const checked = deps.phoneChecker ? batch.filter((m) => m.bcryptHash !== null && m.phone !== '') : [];
  const answers =
    (await deps.phoneChecker?.check(checked.map((m) => ({ phone: m.phone, hash: m.bcryptHash ?? '' })))) ?? [];
  const onPhone = new Set(checked.filter((_, i) => answers[i]).map((m) => m.email));
  const rows = batch.map((m) => ({
    email: m.email,
    username: m.email,
    name: m.name,
    phone: m.phone,
    role: 'member' as const,
    status: 'active' as const,
    password_hash: m.bcryptHash ?? NO_PASSWORD,
    password_set_at: null,
    source_order_id: null,
    created_at: deps.now,
    updated_at: deps.now,
    imported_at: deps.now,
    password_change_required: m.bcryptHash === null || onPhone.has(m.email) ? 1 : 0,
  }));
  // DO NOTHING: a buyer who registered through the webhook meanwhile keeps their account.
  const inserted = await deps.db.transaction().execute((trx) =>
    trx
      .insertInto('members')
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .returning('email')
      .execute(),
  );
  counts.membersCreated += inserted.length;
  const created = new Set(inserted.map((r) => r.email));
  counts.phoneDefault += [...onPhone].filter((email) => created.has(email)).length;
}

function licenseRow(orderId: number, refId: string, l: LicenseToCreate, now: number): Insertable<LicensesTable> {
  return {
    license_key: l.key,
    order_id: orderId,
    line_no: 1,
    unit_no: l.unitNo,
    product_uuid: l.productUuid,
    product_title: l.productTitle,
    email: l.email,
    lynk_ref_id: refId,
    max_devices: l.maxDevices,
    status: 'active',
    expires_at: l.expiresAt,
    created_at: l.createdAt,
    revoked_at: null,
    on_limit: l.onLimit,
    revoked_reason: null,
    imported_at: now,
    legacy_order_no: l.legacyOrderNo,
    legacy_transaction_no: l.legacyTransactionNo,
  };
}

async function orderIds(trx: Kysely<Database>, deps: ApplyDeps, orders: readonly OrderToFill[], counts: ApplyCounts) {
  const ids = new Map<string, number>();
  const fresh = orders.filter((o) => o.existingOrderId === null);
  for (const o of orders) if (o.existingOrderId !== null) ids.set(o.externalRef, o.existingOrderId);
  for (let i = 0; i < fresh.length; i += INSERT_CHUNK) {
    const chunk = fresh.slice(i, i + INSERT_CHUNK);
    const inserted = await trx
      .insertInto('orders')
      .values(
        chunk.map((o) => ({
          order_no: newOrderNo(deps.prefix, deps.randomBytes),
          transaction_no: newTransactionNo(deps.prefix, deps.randomBytes),
          provider: 'lynk' as const,
          external_ref: o.externalRef,
          email: o.email,
          customer_name: o.customerName,
          phone: o.phone,
          grand_total: 0,
          paid_at: o.paidAt,
          created_at: deps.now,
        })),
      )
      .onConflict((oc) => oc.columns(['provider', 'external_ref']).doNothing())
      .returning(['id', 'external_ref'])
      .execute();
    counts.ordersCreated += inserted.length;
    for (const row of inserted) ids.set(row.external_ref, row.id);
  }
  // A payment Lynk delivered to Gerbang after the plan was made: its order exists now.
  const missing = fresh.filter((o) => !ids.has(o.externalRef)).map((o) => o.externalRef);
  if (missing.length > 0) {
    const found = await trx
      .selectFrom('orders')
      .select(['id', 'external_ref'])
      .where('provider', '=', 'lynk')
      .where('external_ref', 'in', missing)
      .execute();
    for (const row of found) ids.set(row.external_ref, row.id);
  }
  return ids;
}

async function applyOrderBatch(deps: ApplyDeps, batch: readonly OrderToFill[], counts: ApplyCounts) {
  await deps.db.transaction().execute(async (trx) => {
    const ids = await orderIds(trx, deps, batch, counts);
    const rows = batch.flatMap((o) => {
      const id = ids.get(o.externalRef);
      return id === undefined ? [] : o.licenses.map((l) => ({ row: licenseRow(id, o.externalRef, l, deps.now), l }));
    });
    const byKey = new Map(rows.map((r) => [r.l.key, r.l]));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK).map((r) => r.row);
      // DO NOTHING: a key or unit taken meanwhile is left out here and reported by the next run.
      const inserted = await trx
        .insertInto('licenses')
        .values(chunk)
        .onConflict((oc) => oc.doNothing())
        .returning(['id', 'license_key'])
        .execute();
      counts.licensesCreated += inserted.length;
      const activations = inserted.flatMap((r) => {
        const l = byKey.get(r.license_key);
        if (!l?.deviceActive) return [];
        return [
          {
            license_id: r.id,
            slot: 1,
            fingerprint_hash: fingerprintHash(l.deviceActive),
            name: ACTIVATION_NAME,
            created_at: l.createdAt,
            last_validated_at: l.createdAt,
            revoked_at: null,
            revoked_reason: null,
          },
        ];
      });
      if (activations.length > 0) {
        await trx.insertInto('license_activations').values(activations).execute();
        counts.activationsCreated += activations.length;
      }
    }
  });
}

/** Splits orders into batches of about `size` licenses (an order's licenses stay together). */
function orderBatches(orders: readonly OrderToFill[], size: number): OrderToFill[][] {
  const batches: OrderToFill[][] = [];
  let current: OrderToFill[] = [];
  let count = 0;
  for (const order of orders) {
    current.push(order);
    count += order.licenses.length;
    if (count >= size) {
      batches.push(current);
      current = [];
      count = 0;
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Writes a plan in batches, each in its own transaction. Every insert ignores rows that exist
 * (unique email, key, refId): a run after an interrupted one, or beside a live webhook, adds only
 * what is missing and never a duplicate.
 */
export async function applyPlan(deps: ApplyDeps, plan: ImportPlan): Promise<ApplyCounts> {
  const counts: ApplyCounts = {
    membersCreated: 0,
    phoneDefault: 0,
    ordersCreated: 0,
    licensesCreated: 0,
    activationsCreated: 0,
  };
  deps.progress.phase('Member', plan.members.length);
  for (let i = 0; i < plan.members.length; i += deps.batchSize) {
    const batch = plan.members.slice(i, i + deps.batchSize);
    await applyMemberBatch(deps, batch, counts);
    deps.progress.advance(batch.length);
  }
  const licenses = plan.orders.reduce((n, o) => n + o.licenses.length, 0);
  deps.progress.phase('Lisensi', licenses);
  for (const batch of orderBatches(plan.orders, deps.batchSize)) {
    await applyOrderBatch(deps, batch, counts);
    deps.progress.advance(batch.reduce((n, o) => n + o.licenses.length, 0));
  }
  deps.progress.finish();
  return counts;
}
