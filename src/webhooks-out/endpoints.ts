import type { Kysely } from 'kysely';
import type { Database, WebhookEndpoint } from '../db/index.js';
import { openSecret, sealSecret } from '../secret-box.js';
import { newEndpointSecret } from './signature.js';

/** Sealing needs COOKIE_SECRET; a new secret needs randomness; rows need the change's time. */
export interface EndpointContext {
  now: number;
  randomBytes: (size: number) => Buffer;
  masterSecret: string;
}

export interface EndpointInput {
  url: string;
  description: string;
  /** Empty: every event. */
  eventTypes: readonly string[];
}

/** Registers an endpoint (caller's transaction, with its audit entry); returns the secret to show once. */
export async function createEndpoint(
  db: Kysely<Database>,
  input: EndpointInput,
  ctx: EndpointContext,
): Promise<{ id: number; secret: string }> {
  const secret = newEndpointSecret(ctx.randomBytes);
  const row = await db
    .insertInto('webhook_endpoints')
    .values({
      url: input.url,
      description: input.description,
      secret: sealSecret(secret, ctx.masterSecret, 'webhook-endpoint-secret'),
      event_types: input.eventTypes.join(','),
      enabled: 1,
      created_at: ctx.now,
      updated_at: ctx.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, secret };
}

/** Endpoints with what waits or failed for each, for the console's list. */
export async function listEndpoints(db: Kysely<Database>) {
  const endpoints = await db.selectFrom('webhook_endpoints').selectAll().orderBy('id').execute();
  const counts = await db
    .selectFrom('webhook_deliveries')
    .select(['endpoint_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['pending', 'sending', 'failed'])
    .groupBy(['endpoint_id', 'status'])
    .execute();
  return endpoints.map((e) => {
    const mine = counts.filter((c) => c.endpoint_id === e.id);
    const count = (...statuses: string[]) =>
      mine.filter((c) => statuses.includes(c.status)).reduce((n, c) => n + Number(c.n), 0);
    return { ...e, waiting: count('pending', 'sending'), failed: count('failed') };
  });
}

export function findEndpoint(db: Kysely<Database>, id: number): Promise<WebhookEndpoint | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The endpoint's `whsec_…` secret for the seller's receiver, or null if sealed under another COOKIE_SECRET. */
export function endpointSecret(endpoint: WebhookEndpoint, masterSecret: string): string | null {
  return openSecret(endpoint.secret, masterSecret, 'webhook-endpoint-secret');
}

/**
 * Pauses or resumes an endpoint. Deliveries wait while it is paused (nothing is dropped); on
 * resuming, their retry window starts again, so a long pause does not fail them at once.
 */
export async function setEndpointEnabled(db: Kysely<Database>, id: number, enabled: boolean, now: number) {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ enabled: enabled ? 1 : 0, updated_at: now })
    .where('id', '=', id)
    .executeTakeFirst();
  if (enabled)
    await db
      .updateTable('webhook_deliveries')
      .set({ retry_from: now, next_attempt_at: now })
      .where('endpoint_id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  return result.numUpdatedRows > 0n;
}

/** A new signing secret (the old one leaked, or cannot be opened any more); used from the next attempt on. */
export async function rotateEndpointSecret(db: Kysely<Database>, id: number, ctx: EndpointContext) {
  const secret = newEndpointSecret(ctx.randomBytes);
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ secret: sealSecret(secret, ctx.masterSecret, 'webhook-endpoint-secret'), updated_at: ctx.now })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n ? secret : null;
}
