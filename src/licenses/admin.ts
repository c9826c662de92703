import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Database } from '../db/index.js';
import type { Empty, Result } from '../errors.js';
import type { RealtimeEvent } from '../realtime/index.js';
import { queueWebhookEvents } from '../webhooks-out/index.js';
import type { LicenseDeps } from './deps.js';
import { announceCommitted, endActivations, licenseRevokedEvents, queueContext } from './notify.js';
import { licenseEvent } from './webhook-events.js';

/**
 * Operator actions on licenses, for the console and the CLI alike. Each change and its audit
 * entry commit together; the pages using the license are told after the commit.
 */

export function findLicenseByKey(db: Kysely<Database>, key: string) {
  return db.selectFrom('licenses').selectAll().where('license_key', '=', key.trim()).executeTakeFirst();
}

/** Every activation of a license, live ones first, newest first within each group. */
export function listActivations(db: Kysely<Database>, licenseId: number, options: { liveOnly?: boolean } = {}) {
  let q = db
    .selectFrom('license_activations')
    .select(['id', 'slot', 'name', 'created_at', 'last_validated_at', 'revoked_at', 'revoked_reason'])
    .where('license_id', '=', licenseId)
    .orderBy((eb) => eb.case().when('revoked_at', 'is', null).then(0).else(1).end())
    .orderBy('id', 'desc')
    .limit(200);
  if (options.liveOnly) q = q.where('revoked_at', 'is', null);
  return q.execute();
}

/** What a revocation needs of the license row. */
export type RevocableLicense = { id: number; email: string; license_key: string; status: string };

async function licenseRow(db: Kysely<Database>, licenseId: number): Promise<RevocableLicense | undefined> {
  return db
    .selectFrom('licenses')
    .select(['id', 'email', 'license_key', 'status'])
    .where('id', '=', licenseId)
    .executeTakeFirst();
}

/** Ends every live activation (a buyer who changed all their machines); returns how many ended. */
export async function resetActivations(
  deps: LicenseDeps,
  licenseId: number,
  actor: AuditActor,
): Promise<number | null> {
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const now = deps.runtime.now();
    const license = await licenseRow(trx, licenseId);
    if (!license) return null;
    const live = await listActivations(trx, licenseId, { liveOnly: true });
    const { ended, events, queued } = await endActivations(
      trx,
      license,
      live.map((a) => a.id),
      'reset',
      queueContext(deps, now),
    );
    await recordAudit(
      trx,
      actor,
      {
        action: 'license.reset_activations',
        target: { type: 'license', id: licenseId },
        details: { ended: ended.length },
      },
      now,
    );
    return { ended: ended.length, events, queued };
  });
  if (!outcome) return null;
  announceCommitted(deps, outcome);
  return outcome.ended;
}

export type RevokeLicenseResult = Result<Empty, 'NOT_FOUND' | 'ALREADY_REVOKED'>;

/** Revokes a license for good (refund, abuse): validation fails from now on, open pages close live. */
export async function revokeLicense(
  deps: LicenseDeps,
  licenseId: number,
  actor: AuditActor,
  reason = 'admin',
): Promise<RevokeLicenseResult> {
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const now = deps.runtime.now();
    const license = await licenseRow(trx, licenseId);
    if (!license) return { ok: false, code: 'NOT_FOUND' } as const;
    const revoked = await revokeLicenseIn(trx, deps, license, actor, reason, now);
    if (!revoked) return { ok: false, code: 'ALREADY_REVOKED' } as const;
    return { ok: true, ...revoked } as const;
  });
  if (!outcome.ok) return outcome;
  announceCommitted(deps, outcome);
  return { ok: true };
}

/**
 * The revocation inside the caller's transaction (a refund revokes an order's licenses with the
 * rest of the order in one commit); null when the license was revoked already. The caller
 * announces the events after its commit.
 */
export async function revokeLicenseIn(
  trx: Kysely<Database>,
  deps: Pick<LicenseDeps, 'runtime'>,
  license: RevocableLicense,
  actor: AuditActor,
  reason: string,
  now: number,
): Promise<{ events: RealtimeEvent[]; queued: number } | null> {
  const licenseId = license.id;
  const updated = await trx
    .updateTable('licenses')
    .set({ status: 'revoked', revoked_at: now, revoked_reason: reason.slice(0, 200) })
    .where('id', '=', licenseId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) return null;
  const live = await listActivations(trx, licenseId, { liveOnly: true });
  await endActivations(
    trx,
    license,
    live.map((a) => a.id),
    'license_revoked',
    queueContext(deps, now),
  );
  const events = await licenseRevokedEvents(trx, license, reason, now);
  const revoked = licenseEvent(trx, 'license.revoked', licenseId, now, {
    reason,
    revoked_at: new Date(now).toISOString(),
    ended_activations: live.map((a) => a.id),
  });
  const queued = await queueWebhookEvents(trx, [revoked], queueContext(deps, now));
  await recordAudit(
    trx,
    actor,
    {
      action: 'license.revoke',
      target: { type: 'license', id: licenseId },
      details: { reason, activations: live.length },
    },
    now,
  );
  return { events, queued };
}
