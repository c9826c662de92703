import type { Kysely } from 'kysely';
import { recordDeviceEvent } from '../auth/index.js';
import type { Database, Dialect } from '../db/index.js';
import type { Failure, Result } from '../errors.js';
import type { LicenseDeps } from './deps.js';
import { findByFingerprint, fingerprintHash } from './fingerprints.js';
import { licenseByKey } from './lookup.js';
import { announceCommitted, endActivations, queueContext } from './notify.js';
import { transferAllowance, transferSettings } from './transfers.js';

export type DeactivateResult =
  | Result<
      {
        licenseId: number;
        activationId: number;
        /** Releases left in the 30-day window after this one; null: no limit. */
        transfersRemaining: number | null;
      },
      'LICENSE_NOT_FOUND' | 'NOT_ACTIVATED'
    >
  /** Past the license's release limit: possible again at `retryAt` (or after a reset). */
  | Failure<'TRANSFER_LIMIT', { licenseId: number; retryAt: number; maxTransfers: number }>;

export type DeactivateTarget = { activationId: number } | { fingerprint: string };

/** Who released, for the sharing signals (only the address's network is kept). */
export interface ReleaseOrigin {
  ip: string | null;
  userAgent: string;
  memberId?: number | null;
}

/**
 * Frees one device's slot (the seller's app uninstalling, a member releasing an old laptop). The
 * device's open page is told at once. Allowed on revoked and expired licenses too: releasing
 * never grants anything. Unknown key and unknown device answer alike after the same look-up.
 */
export async function deactivateLicense(
  deps: LicenseDeps,
  key: string,
  target: DeactivateTarget,
  origin: ReleaseOrigin = { ip: null, userAgent: '' },
): Promise<DeactivateResult> {
  const found = await licenseByKey(deps.db, key);
  const match =
    'fingerprint' in target
      ? findByFingerprint(found?.activations ?? [], fingerprintHash(target.fingerprint))
      : found?.activations.find((a) => a.id === target.activationId);
  if (!found) return { ok: false, code: 'LICENSE_NOT_FOUND' };
  if (!match) return { ok: false, code: 'NOT_ACTIVATED' };
  return endOne(deps, found.license, match.id, origin);
}

/**
 * Ends one live activation of a license, within the license's release limit (counted per 30 days:
 * releasing and activating again without end is how a key gets shared). NOT_ACTIVATED when it was
 * no longer live (a race). The license row is locked on PostgreSQL and SQLite has one writer, so
 * of parallel releases at the limit exactly the allowed number succeed.
 */
export async function endOne(
  deps: LicenseDeps,
  license: { id: number; email: string },
  activationId: number,
  origin: ReleaseOrigin,
): Promise<DeactivateResult> {
  const settings = transferSettings(deps);
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const now = deps.runtime.now();
    const limits = await lockedTransferLimits(trx, deps.dialect, license.id);
    const allowance = await transferAllowance(trx, { id: license.id, ...limits }, settings, now);
    const seen = {
      licenseId: license.id,
      memberId: origin.memberId ?? null,
      ip: origin.ip,
      userAgent: origin.userAgent,
    };
    if (allowance.remaining === 0 && allowance.nextAt !== null && allowance.limit !== null) {
      await recordDeviceEvent(trx, { kind: 'release_refused', ...seen }, now);
      const refused: DeactivateResult = {
        ok: false,
        code: 'TRANSFER_LIMIT',
        licenseId: license.id,
        retryAt: allowance.nextAt,
        maxTransfers: allowance.limit,
      };
      return { result: refused, events: [], queued: 0 };
    }
    const committed = await endActivations(trx, license, [activationId], 'deactivated', queueContext(deps, now));
    if (committed.ended.length === 0) {
      const gone: DeactivateResult = { ok: false, code: 'NOT_ACTIVATED' };
      return { result: gone, ...committed };
    }
    await recordDeviceEvent(trx, { kind: 'release', ...seen }, now);
    const remaining = allowance.remaining === null ? null : allowance.remaining - 1;
    const done: DeactivateResult = { ok: true, licenseId: license.id, activationId, transfersRemaining: remaining };
    return { result: done, ...committed };
  });
  announceCommitted(deps, outcome);
  return outcome.result;
}

/** The license's own limit and last reset, with its row locked on PostgreSQL until the commit. */
async function lockedTransferLimits(trx: Kysely<Database>, dialect: Dialect, licenseId: number) {
  const query = trx.selectFrom('licenses').select(['max_transfers', 'transfers_reset_at']).where('id', '=', licenseId);
  const row = dialect === 'postgres' ? await query.forUpdate().executeTakeFirst() : await query.executeTakeFirst();
  return { max_transfers: row?.max_transfers ?? null, transfers_reset_at: row?.transfers_reset_at ?? null };
}
