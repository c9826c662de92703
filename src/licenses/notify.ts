import type { Kysely } from 'kysely';
import type { ActivationRevokeReason, Database } from '../db/index.js';
import type { NewRealtimeEvent, RealtimeBus, RealtimeEvent } from '../realtime/index.js';
import { recordRealtimeEvents } from '../realtime/index.js';
import { ACCESS_ENDED_MESSAGES } from '../shared/license-messages.js';
import type { QueueContext } from '../webhooks-out/index.js';
import { queueWebhookEvents } from '../webhooks-out/index.js';
import type { LicenseDeps } from './deps.js';
import { licenseEvent } from './webhook-events.js';

/**
 * Who hears that a license's access ended: the member whose email bought it (members are stored
 * lower-case; buyers type their address in any case at checkout, as "Lisensi saya" matches).
 * A license bought without a member account has no open pages to tell.
 */
async function recipientOf(db: Kysely<Database>, email: string): Promise<number | null> {
  const row = await db.selectFrom('members').select('id').where('email', '=', email.toLowerCase()).executeTakeFirst();
  return row?.id ?? null;
}

/**
 * Ends live activations inside the caller's transaction and records what their pages are told;
 * the caller publishes the returned events after the commit. Addressed to every device of the
 * member (deviceId null): a page knows its own activation id and ignores the others. The seller's
 * systems get `license.deactivated` per activation, except when the whole license is revoked
 * (`license.revoked` says it all).
 */
export async function endActivations(
  trx: Kysely<Database>,
  license: { id: number; email: string },
  activationIds: readonly number[],
  reason: ActivationRevokeReason,
  at: QueueContext,
): Promise<{ ended: number[]; events: RealtimeEvent[]; queued: number }> {
  const now = at.now;
  if (activationIds.length === 0) return { ended: [], events: [], queued: 0 };
  const rows = await trx
    .updateTable('license_activations')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('license_id', '=', license.id)
    .where('id', 'in', activationIds)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  // UPDATE … RETURNING has no order on PostgreSQL: events go out oldest activation first.
  const ended = rows.map((r) => r.id).sort((a, b) => a - b);
  if (ended.length === 0 || reason === 'license_revoked') return { ended, events: [], queued: 0 };
  const queued = await queueWebhookEvents(
    trx,
    ended.map((activationId) =>
      licenseEvent(trx, 'license.deactivated', license.id, now, { activation: { id: activationId }, reason }),
    ),
    at,
  );
  const memberId = await recipientOf(trx, license.email);
  if (memberId === null) return { ended, events: [], queued };
  const events: NewRealtimeEvent[] = ended.map((activationId) => ({
    memberId,
    deviceId: null,
    kind: 'activation.revoked',
    data: { licenseId: license.id, activationId, reason, at: now, message: ACCESS_ENDED_MESSAGES[reason] },
  }));
  return { ended, events: await recordRealtimeEvents(trx, events, now), queued };
}

/** The one event of a revoked license (its activations end with it, silently: this says it all). */
export async function licenseRevokedEvents(
  trx: Kysely<Database>,
  license: { id: number; email: string },
  reason: string,
  now: number,
): Promise<RealtimeEvent[]> {
  const memberId = await recipientOf(trx, license.email);
  if (memberId === null) return [];
  const event: NewRealtimeEvent = {
    memberId,
    deviceId: null,
    kind: 'license.revoked',
    data: { licenseId: license.id, reason, at: now, message: ACCESS_ENDED_MESSAGES.license_revoked },
  };
  return recordRealtimeEvents(trx, [event], now);
}

/** After the commit only: a rollback must never have been announced. */
export function publishCommitted(bus: RealtimeBus, events: readonly RealtimeEvent[]): void {
  if (events.length > 0) bus.publish(events);
}

/** After the commit: open pages hear the events, and the webhook worker wakes for what was queued. */
export function announceCommitted(
  deps: Pick<LicenseDeps, 'bus' | 'onWebhookQueued'>,
  committed: { events: readonly RealtimeEvent[]; queued: number },
): void {
  publishCommitted(deps.bus, committed.events);
  if (committed.queued > 0) deps.onWebhookQueued?.();
}

/** The time and randomness of a change, for the webhook events it queues. */
export function queueContext(deps: Pick<LicenseDeps, 'runtime'>, now: number): QueueContext {
  return { now, randomBytes: deps.runtime.randomBytes };
}
