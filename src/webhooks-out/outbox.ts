import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { executeCompiledOnce } from '../db/index.js';
import type { WebhookEventInput } from './events.js';
import { isoTime, TEST_EVENT_TYPE } from './events.js';

/** Time and randomness of the change that raises the events (its transaction's `now`). */
export interface QueueContext {
  now: number;
  randomBytes: (size: number) => Buffer;
}

/** `event_types` is a comma-separated list; empty means every event. */
export function subscribes(eventTypes: string, type: string): boolean {
  return eventTypes === '' || eventTypes.split(',').includes(type);
}

/** The message id every delivery and retry of one event carries (`webhook-id`). */
function newWebhookId(randomBytes: (size: number) => Buffer): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

/** The body sent, exactly, on every attempt: `{type, timestamp, data}` as Standard Webhooks suggests. */
function payloadOf(type: string, data: Record<string, unknown>, now: number): string {
  return JSON.stringify({ type, timestamp: isoTime(now), data });
}

async function insertMessage(
  db: Kysely<Database>,
  message: { type: string; payload: string; dedupeKey: string | null },
  ctx: QueueContext,
): Promise<number | null> {
  const row = await db
    .insertInto('webhook_messages')
    .values({
      webhook_id: newWebhookId(ctx.randomBytes),
      event_type: message.type,
      payload: message.payload,
      dedupe_key: message.dedupeKey,
      created_at: ctx.now,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

async function insertDeliveries(db: Kysely<Database>, messageId: number, endpointIds: number[], now: number) {
  await db
    .insertInto('webhook_deliveries')
    .values(
      endpointIds.map((endpointId) => ({
        message_id: messageId,
        endpoint_id: endpointId,
        status: 'pending' as const,
        next_attempt_at: now,
        retry_from: now,
        created_at: now,
      })),
    )
    .execute();
}

/**
 * Writes events into the outbox inside the caller's transaction, so a delivery exists exactly when
 * the change it announces does (a rollback removes both), one delivery per enabled endpoint that
 * subscribed to the event. With no endpoint interested nothing is written and no event data is
 * built (nor the list, when given as a function): the hot paths pay one small query. Returns how
 * many deliveries were queued.
 */
export async function queueWebhookEvents(
  db: Kysely<Database>,
  events: readonly WebhookEventInput[] | (() => Promise<readonly WebhookEventInput[]>),
  ctx: QueueContext,
): Promise<number> {
  if (Array.isArray(events) && events.length === 0) return 0;
  // Asked on every payment and activation: compiled once, one read of a small table.
  const { rows: endpoints } = await executeCompiledOnce(db, 'enabled webhook endpoints', [1], () =>
    db.selectFrom('webhook_endpoints').select(['id', 'event_types']).where('enabled', '=', 1),
  );
  if (endpoints.length === 0) return 0;
  // A list that costs queries to make (every license of an order) is made only for a listener.
  const list = typeof events === 'function' ? await events() : events;
  let queued = 0;
  for (const event of list) {
    const targets = endpoints.filter((e) => subscribes(e.event_types, event.type)).map((e) => e.id);
    if (targets.length === 0) continue;
    const payload = payloadOf(event.type, await event.data(), ctx.now);
    const messageId = await insertMessage(db, { type: event.type, payload, dedupeKey: event.dedupeKey ?? null }, ctx);
    // Another instance (or an earlier run) announced this fact already.
    if (messageId === null) continue;
    await insertDeliveries(db, messageId, targets, ctx.now);
    queued += targets.length;
  }
  return queued;
}

/** "Kirim event uji": one `webhook.test` message to one endpoint, whatever it subscribed to (caller's transaction). */
export async function queueTestEvent(
  db: Kysely<Database>,
  endpointId: number,
  ctx: QueueContext,
  sentBy: string,
): Promise<number> {
  const data = { message: 'Event uji dari Gerbang.', sent_by: sentBy };
  const payload = payloadOf(TEST_EVENT_TYPE, data, ctx.now);
  const messageId = await insertMessage(db, { type: TEST_EVENT_TYPE, payload, dedupeKey: null }, ctx);
  if (messageId === null) throw new Error('test message not stored');
  await insertDeliveries(db, messageId, [endpointId], ctx.now);
  return messageId;
}
