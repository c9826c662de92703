import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../../errors.js';
import type { LynkReceiveDeps } from './receive.js';
import { receiveLynkDelivery } from './receive.js';

export interface LynkRouteOptions extends LynkReceiveDeps {
  /**
   * Called after a delivery committed, so queued mail (and events for the seller's endpoints, when
   * any were queued) go out at once instead of at the next poll.
   */
  onStored?: (stored: { webhookDeliveries: number }) => void;
  /** Told every answer's outcome (GET /metrics counts them by provider). */
  onOutcome?: (outcome: string) => void;
}

// 64 KiB; Fastify answers 413 above it. A one-item delivery is under 1 KiB and a cart of 200
// different products about 50 KiB; a larger limit only lets slow senders hold more memory.
export const WEBHOOK_BODY_LIMIT = 64 * 1024;

/**
 * POST /webhook/lynk — the path sellers already configured in Lynk.id. The body is read as raw
 * bytes (this scope replaces the JSON parser) because the event is stored exactly as received.
 */
export const lynkWebhookRoutes: FastifyPluginAsync<LynkRouteOptions> = async (app, opts) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  app.post('/webhook/lynk', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (request, reply) => {
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const header = request.headers['x-lynk-signature'];
    const receipt = await receiveLynkDelivery(opts, request.log, {
      rawBody,
      // A doubled header is joined or arrives as an array: either way it cannot match.
      signature: Array.isArray(header) ? header.join(',') : header,
      remoteIp: request.ip,
      requestId: request.id,
    });
    opts.onOutcome?.(deliveryOutcome(receipt));
    if (!receipt.ok) {
      if (receipt.retryAfterMs !== undefined)
        reply.header('retry-after', String(Math.max(1, Math.ceil(receipt.retryAfterMs / 1000))));
      throw new AppError(receipt.code);
    }
    if (receipt.test) return reply.code(200).send({ status: 'success', test: true });
    if (!receipt.duplicate) opts.onStored?.({ webhookDeliveries: receipt.webhookDeliveries ?? 0 });
    return reply.code(200).send({
      status: 'success',
      event_id: receipt.eventId,
      outcome: receipt.outcome,
      duplicate: receipt.duplicate,
    });
  });
};

/** One word per answer: what /metrics counts (a refusal's code would make too many series). */
export function deliveryOutcome(
  receipt: { ok: true; test: true } | { ok: true; outcome: string; duplicate: boolean } | { ok: false; code: string },
): string {
  if (!receipt.ok)
    return receipt.code === 'STORAGE_UNAVAILABLE'
      ? 'unavailable'
      : receipt.code === 'RATE_LIMITED'
        ? 'rate_limited'
        : 'refused';
  if ('test' in receipt) return 'test';
  return receipt.duplicate ? 'duplicate' : receipt.outcome;
}
