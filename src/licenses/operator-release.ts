import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Empty, Result } from '../errors.js';
import type { LicenseDeps } from './deps.js';
import { announceCommitted, endActivations, queueContext } from './notify.js';

export type OperatorReleaseResult = Result<Empty, 'NOT_FOUND' | 'NOT_ACTIVE'>;

/**
 * An operator frees one device's slot of a license (a buyer's stolen laptop), audited with the
 * change in one transaction. The device's open page is told after the commit, as on a reset.
 */
export async function releaseActivation(
  deps: LicenseDeps,
  licenseId: number,
  activationId: number,
  actor: AuditActor,
): Promise<OperatorReleaseResult> {
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const now = deps.runtime.now();
    const license = await trx
      .selectFrom('licenses')
      .select(['id', 'email'])
      .where('id', '=', licenseId)
      .executeTakeFirst();
    if (!license) return { ok: false, code: 'NOT_FOUND' } as const;
    const activation = await trx
      .selectFrom('license_activations')
      .select(['id', 'name'])
      .where('id', '=', activationId)
      .where('license_id', '=', licenseId)
      .executeTakeFirst();
    if (!activation) return { ok: false, code: 'NOT_FOUND' } as const;
    const committed = await endActivations(trx, license, [activationId], 'deactivated', queueContext(deps, now));
    if (committed.ended.length === 0) return { ok: false, code: 'NOT_ACTIVE' } as const;
    await recordAudit(
      trx,
      actor,
      {
        action: 'license.release_activation',
        target: { type: 'license', id: licenseId },
        details: { activation: activationId, name: activation.name },
      },
      now,
    );
    return { ok: true, ...committed } as const;
  });
  if (!outcome.ok) return outcome;
  announceCommitted(deps, outcome);
  return { ok: true };
}
