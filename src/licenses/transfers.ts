import type { Kysely } from 'kysely';
import type { Allowance } from '../auth/index.js';
import { allowanceFrom, countedEventTimes, countingSince } from '../auth/index.js';
import type { Database } from '../db/index.js';
import type { LicenseDeps } from './deps.js';

/** Releases are counted over 30 days. */
export const TRANSFER_WINDOW_MS = 30 * 86_400_000; // 30 days

/** LICENSE_MAX_TRANSFERS and LICENSE_TRANSFER_RESET; a license's own `max_transfers` wins. */
export interface TransferSettings {
  maxPer30Days: number;
  resetPolicy: 'approve' | 'monthly';
}

export const DEFAULT_TRANSFER_SETTINGS: TransferSettings = { maxPer30Days: 3, resetPolicy: 'approve' };

export function transferSettings(deps: Pick<LicenseDeps, 'transfers'>): TransferSettings {
  return deps.transfers ?? DEFAULT_TRANSFER_SETTINGS;
}

/**
 * Releases left on a license: its own limit (from the product rule) or the default, counted over
 * 30 days since the last reset. Read inside the transaction that records the next release, with
 * the license row locked on PostgreSQL, so parallel releases at the limit cannot all pass.
 */
export async function transferAllowance(
  db: Kysely<Database>,
  license: { id: number; max_transfers: number | null; transfers_reset_at: number | null },
  settings: TransferSettings,
  now: number,
): Promise<Allowance> {
  const rule = { limit: license.max_transfers ?? settings.maxPer30Days, windowMs: TRANSFER_WINDOW_MS };
  const resetAt = license.transfers_reset_at === null ? null : Number(license.transfers_reset_at);
  const since = countingSince(now, TRANSFER_WINDOW_MS, resetAt);
  return allowanceFrom(await countedEventTimes(db, { licenseId: license.id }, 'release', since), rule);
}

/** The allowances of several licenses (the member's "Lisensi saya"). */
export async function transferAllowances(
  db: Kysely<Database>,
  licenseIds: readonly number[],
  settings: TransferSettings,
  now: number,
): Promise<Map<number, Allowance>> {
  const out = new Map<number, Allowance>();
  if (licenseIds.length === 0) return out;
  const rows = await db
    .selectFrom('licenses')
    .select(['id', 'max_transfers', 'transfers_reset_at'])
    .where('id', 'in', licenseIds)
    .execute();
  for (const row of rows) out.set(row.id, await transferAllowance(db, row, settings, now));
  return out;
}
