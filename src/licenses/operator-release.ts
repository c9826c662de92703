import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { LicenseDeps } from './deps.js';
import { announceCommitted, endActivations, queueContext } from './notify.js';

export type OperatorReleaseResult = 'released' | 'not_found' | 'not_active';

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
    if (!license) return 'not_found' as const;
    const activation = await trx
      .selectFrom('license_activations')
      .select(['id', 'name'])
      .where('id', '=', activationId)
      .where('license_id', '=', licenseId)
      .executeTakeFirst();
    if (!activation) return 'not_found' as const;
    const committed = await endActivations(trx, license, [activationId], 'deactivated', queueContext(deps, now));
    if (committed.ended.length === 0) return 'not_active' as const;
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
    return committed;
  });
  if (typeof outcome === 'string') return outcome;
  announceCommitted(deps, outcome);
  return 'released';
}
