import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { recordAudit } from '../../audit/index.js';
import { AppError } from '../../errors.js';
import { getDelivery, replayLynkEvent } from '../../webhooks/index.js';
import { adminActor } from '../guard.js';
import { listEvents } from '../lists.js';
import { eventDetailView, eventListView } from '../views/webhooks.js';
import type { ConsoleOptions } from './context.js';
import { beforeParam, idParam, sendConsolePage } from './context.js';

const filters = z.object({
  sumber: z.enum(['lynk', 'hesda']).optional().catch(undefined),
  hasil: z.enum(['processed', 'ignored', 'failed', 'rejected']).optional().catch(undefined),
});
const replayForm = z.object({ email: z.union([z.literal(''), z.email().max(254)]).default('') });

/** Webhook: every Lynk and Hesda delivery, its body and outcome; replay of a failed one. */
export const webhookConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const tz = opts.config.displayTimeZone;

  app.get('/admin/webhook', async (request, reply) => {
    const f = filters.parse(request.query ?? {});
    const list = await listEvents(opts.db, { provider: f.sumber, outcome: f.hasil, before: beforeParam(request) });
    return sendConsolePage(
      request,
      reply,
      { title: 'Webhook', active: '/admin/webhook' },
      eventListView(list, { provider: f.sumber, outcome: f.hasil }, tz),
    );
  });

  app.get('/admin/webhook/:id', async (request, reply) => {
    const event = await getDelivery(opts.db, idParam(request));
    if (!event) throw new AppError('NOT_FOUND', 'Event tidak ditemukan.');
    return sendConsolePage(
      request,
      reply,
      { title: `Event #${event.id}`, active: '/admin/webhook' },
      eventDetailView(event, reply.generateCsrf(), tz),
    );
  });

  // The same replay as `gerbang events replay`; the page shows its result at once.
  app.post('/admin/webhook/:id/ulang', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const form = replayForm.safeParse(request.body ?? {});
    if (!form.success) throw new AppError('BAD_REQUEST', 'Email pembeli tidak valid.');
    const email = form.data.email || undefined;
    const deps = { db: opts.db, config: opts.config, runtime: opts.runtime };
    const result = await replayLynkEvent(deps, id, email ? { email } : {});
    if (!result.ok && result.code === 'NOT_FOUND') throw new AppError('NOT_FOUND', 'Event tidak ditemukan.');
    const actor = adminActor(request);
    await recordAudit(
      opts.db,
      actor,
      {
        action: 'webhook.replay',
        target: { type: 'webhook_event', id },
        details: result.ok ? { outcome: result.outcome, ...(email ? { email } : {}) } : { refused: result.message },
      },
      opts.runtime.now(),
    );
    if (result.ok && result.outcome === 'processed') {
      opts.onMailQueued?.();
      opts.onWebhookQueued?.();
    }
    const event = await getDelivery(opts.db, id);
    if (!event) throw new AppError('NOT_FOUND');
    const shown = result.ok
      ? { outcome: result.outcome, detail: result.note ?? result.message }
      : { error: result.message };
    return sendConsolePage(
      request,
      reply,
      { title: `Event #${id}`, active: '/admin/webhook', status: result.ok ? 200 : 409 },
      eventDetailView(event, reply.generateCsrf(), tz, shown),
    );
  });
};
