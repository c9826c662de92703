import type { FastifyPluginAsync } from 'fastify';
import { errorTable } from '../../errors.js';
import { sendError } from '../../web/respond.js';
import { deliveryOutcome, WEBHOOK_BODY_LIMIT } from '../lynk/routes.js';
import type { HesdaWebhookDeps } from './receive.js';
import { receiveHesdaDelivery } from './receive.js';

/** Hesda's own answer texts (seed 003), so its retry logic reads them as it expects. */
const HESDA_MESSAGES = {
  400: 'Invalid payload',
  401: 'Invalid signature',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
} as const;

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(',') : value);

/**
 * POST /webhooks/ppob — the path the old system gave Hesda. The body is read as raw bytes (this
 * scope replaces the JSON parser): the signature covers exactly them. Answers carry Hesda's
 * `{status, message}` and our `{error:{code,message,requestId}}` side by side.
 */
export const hesdaWebhookRoutes: FastifyPluginAsync<
  HesdaWebhookDeps & { onOutcome?: (outcome: string) => void }
> = async (app, opts) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  app.post('/webhooks/ppob', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (request, reply) => {
    const receipt = await receiveHesdaDelivery(opts, request.log, {
      rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      // A doubled header arrives joined: it cannot match, as it should not.
      signature: single(request.headers['x-hesda-signature']),
      event: single(request.headers['x-hesda-event']),
      remoteIp: request.ip,
      requestId: request.id,
    });
    opts.onOutcome?.(deliveryOutcome(receipt));
    if (!receipt.ok) {
      if (receipt.retryAfterMs !== undefined)
        reply.header('retry-after', String(Math.max(1, Math.ceil(receipt.retryAfterMs / 1000))));
      // Hesda reads its own `status` and `message`; ours sits beside them.
      const message = HESDA_MESSAGES[errorTable[receipt.code].status];
      return sendError(request, reply, receipt.code, { json: true, envelope: { status: 'error', message } });
    }
    return reply.code(200).send({
      status: 'success',
      message: 'Webhook received',
      event_id: receipt.eventId,
      outcome: receipt.outcome,
      duplicate: receipt.duplicate,
    });
  });
};
