import type { Kysely } from 'kysely';
import type { ActivationRevokeReason, Database } from '../db/index.js';
import type { NewRealtimeEvent, RealtimeBus, RealtimeEvent } from '../realtime/index.js';
import { recordRealtimeEvents } from '../realtime/index.js';
import { ACCESS_ENDED_MESSAGES } from '../shared/license-messages.js';

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
 * member (deviceId null): a page knows its own activation id and ignores the others.
 */
export async function endActivations(
  trx: Kysely<Database>,
  license: { id: number; email: string },
  activationIds: readonly number[],
  reason: ActivationRevokeReason,
  now: number,
): Promise<{ ended: number[]; events: RealtimeEvent[] }> {
  if (activationIds.length === 0) return { ended: [], events: [] };
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
  if (ended.length === 0 || reason === 'license_revoked') return { ended, events: [] };
  const memberId = await recipientOf(trx, license.email);
  if (memberId === null) return { ended, events: [] };
  const events: NewRealtimeEvent[] = ended.map((activationId) => ({
    memberId,
    deviceId: null,
    kind: 'activation.revoked',
    data: { licenseId: license.id, activationId, reason, at: now, message: ACCESS_ENDED_MESSAGES[reason] },
  }));
  return { ended, events: await recordRealtimeEvents(trx, events, now) };
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
