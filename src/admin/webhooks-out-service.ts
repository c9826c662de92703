import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { EndpointContext, EndpointInput } from '../webhooks-out/index.js';
import {
  createEndpoint,
  deliveryDetail,
  queueTestEvent,
  resendDelivery,
  rotateEndpointSecret,
  setEndpointEnabled,
} from '../webhooks-out/index.js';
import type { ConsoleOptions } from './routes/context.js';

/**
 * The console's actions on outgoing webhooks: src/webhooks-out's services, each committed with its
 * audit entry. Secrets are never written to the audit log.
 */

function context(opts: ConsoleOptions): EndpointContext {
  return { now: opts.runtime.now(), randomBytes: opts.runtime.randomBytes, masterSecret: opts.config.cookieSecret };
}

export function addEndpoint(opts: ConsoleOptions, input: EndpointInput, actor: AuditActor) {
  const ctx = context(opts);
  return opts.db.transaction().execute(async (trx) => {
    const { id } = await createEndpoint(trx, input, ctx);
    await recordAudit(
      trx,
      actor,
      {
        action: 'webhook_endpoint.create',
        target: { type: 'webhook_endpoint', id },
        details: { url: input.url, events: input.eventTypes },
      },
      ctx.now,
    );
    return id;
  });
}

export function switchEndpoint(opts: ConsoleOptions, id: number, enabled: boolean, actor: AuditActor) {
  const now = opts.runtime.now();
  return opts.db.transaction().execute(async (trx) => {
    const done = await setEndpointEnabled(trx, id, enabled, now);
    if (done)
      await recordAudit(
        trx,
        actor,
        {
          action: enabled ? 'webhook_endpoint.enable' : 'webhook_endpoint.disable',
          target: { type: 'webhook_endpoint', id },
        },
        now,
      );
    return done;
  });
}

export function newEndpointSecret(opts: ConsoleOptions, id: number, actor: AuditActor) {
  const ctx = context(opts);
  return opts.db.transaction().execute(async (trx) => {
    const secret = await rotateEndpointSecret(trx, id, ctx);
    if (secret !== null)
      await recordAudit(
        trx,
        actor,
        { action: 'webhook_endpoint.rotate_secret', target: { type: 'webhook_endpoint', id } },
        ctx.now,
      );
    return secret !== null;
  });
}

export function sendTestEvent(opts: ConsoleOptions, id: number, actor: AuditActor) {
  const ctx = context(opts);
  return opts.db.transaction().execute(async (trx) => {
    await queueTestEvent(trx, id, ctx, actor.label);
    await recordAudit(
      trx,
      actor,
      { action: 'webhook_endpoint.test', target: { type: 'webhook_endpoint', id } },
      ctx.now,
    );
  });
}

/** "Kirim ulang" of one delivery; the endpoint id to return to, or null when it cannot be resent now. */
export async function resendWebhookDelivery(opts: ConsoleOptions, id: number, actor: AuditActor) {
  const now = opts.runtime.now();
  return opts.db.transaction().execute(async (trx) => {
    const found = await deliveryDetail(trx, id);
    if (!found) return null;
    const done = await resendDelivery(trx, id, now);
    if (!done) return { endpointId: found.delivery.endpoint_id, resent: false };
    await recordAudit(
      trx,
      actor,
      {
        action: 'webhook_delivery.resend',
        target: { type: 'webhook_delivery', id },
        details: { webhookId: found.delivery.webhook_id, event: found.delivery.event_type },
      },
      now,
    );
    return { endpointId: found.delivery.endpoint_id, resent: true };
  });
}
