import type { Kysely } from 'kysely';
import type { ProductRule } from '../config/index.js';
import type { Database, ProductRuleRow } from '../db/index.js';
import { executeCompiledOnce } from '../db/index.js';
import type { Result } from '../errors.js';
import { normalizeTitle } from './rules.js';

/** Product rules kept in the database, edited in the operator console (Produk). */

export interface ProductRuleInput {
  /** Exactly one of uuid / title. */
  uuid: string | null;
  title: string | null;
  action: 'member' | 'license';
  maxDevices: number;
  validityDays: number | null;
  onLimit: 'refuse' | 'takeover';
  offlineGraceDays: number | null;
  /** Membership rules: takeovers per window; null: TAKEOVER_LIMIT. */
  takeoverLimit?: number | null;
  /** License rules: releases per 30 days; null: LICENSE_MAX_TRANSFERS. */
  maxTransfers?: number | null;
  /** A membership's page to buy it again (reminder mails). */
  renewUrl: string | null;
}

export async function listProductRules(db: Kysely<Database>): Promise<ProductRuleRow[]> {
  // Read by every paid webhook (rules change in the console or the CLI, so they are not cached).
  const { rows } = await executeCompiledOnce(db, 'product rules', [], () =>
    db.selectFrom('product_rules').selectAll().orderBy('id'),
  );
  return rows;
}

/** The stored rules in the shape PRODUCT_RULES has, for resolveProductAction. */
export async function storedProductRules(db: Kysely<Database>): Promise<ProductRule[]> {
  const rows = await listProductRules(db);
  return rows.map((r) => ({
    ...(r.match_uuid !== null ? { uuid: r.match_uuid } : {}),
    ...(r.match_title !== null ? { title: r.match_title } : {}),
    action: r.action,
    maxDevices: r.max_devices,
    ...(r.validity_days !== null ? { validityDays: r.validity_days } : {}),
    onLimit: r.on_limit,
    ...(r.offline_grace_days !== null ? { offlineGraceDays: r.offline_grace_days } : {}),
    ...(r.takeover_limit !== null ? { takeoverLimit: r.takeover_limit } : {}),
    ...(r.max_transfers !== null ? { maxTransfers: r.max_transfers } : {}),
    ...(r.renew_url !== null ? { renewUrl: r.renew_url } : {}),
  }));
}

export type SaveRuleResult = Result<{ id: number }, 'DUPLICATE' | 'NOT_FOUND'>;

/** Creates (id null) or replaces a rule; a second rule for the same uuid or title is refused. */
export async function saveProductRule(
  db: Kysely<Database>,
  id: number | null,
  input: ProductRuleInput,
  now: number,
): Promise<SaveRuleResult> {
  const values = {
    match_uuid: input.uuid,
    match_title: input.uuid === null ? input.title : null,
    action: input.action,
    max_devices: input.action === 'license' ? input.maxDevices : 1,
    // Days a license or a membership lasts (null: for ever).
    validity_days: input.validityDays,
    on_limit: input.action === 'license' ? input.onLimit : 'refuse',
    offline_grace_days: input.action === 'license' ? input.offlineGraceDays : null,
    takeover_limit: input.action === 'member' ? (input.takeoverLimit ?? null) : null,
    max_transfers: input.action === 'license' ? (input.maxTransfers ?? null) : null,
    renew_url: input.action === 'member' ? input.renewUrl : null,
    updated_at: now,
  };
  // Checked first rather than caught: on PostgreSQL a failed statement would abort the caller's
  // transaction (the audit entry's). The unique constraints still stop a racing duplicate. Titles
  // clash as rules compare them (normalizeTitle), so "Kelas  VIP" cannot sit beside "kelas vip".
  const others = await db
    .selectFrom('product_rules')
    .select(['id', 'match_uuid', 'match_title'])
    .where('id', '!=', id ?? 0)
    .where((eb) =>
      values.match_uuid !== null ? eb('match_uuid', '=', values.match_uuid) : eb('match_title', 'is not', null),
    )
    .execute();
  const title = normalizeTitle(values.match_title ?? '');
  const clash = others.some((r) => values.match_uuid !== null || normalizeTitle(r.match_title ?? '') === title);
  if (clash) return { ok: false, code: 'DUPLICATE' };
  if (id === null) {
    const row = await db
      .insertInto('product_rules')
      .values({ ...values, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ok: true, id: row.id };
  }
  const result = await db.updateTable('product_rules').set(values).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) === 0 ? { ok: false, code: 'NOT_FOUND' } : { ok: true, id };
}

export async function deleteProductRule(db: Kysely<Database>, id: number): Promise<ProductRuleRow | null> {
  const row = await db.deleteFrom('product_rules').where('id', '=', id).returningAll().executeTakeFirst();
  return row ?? null;
}
