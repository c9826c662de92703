import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { inputText } from '../../text-input.js';
import {
  deliveryDetail,
  endpointSecret,
  findEndpoint,
  isWebhookEventType,
  listEndpointDeliveries,
  listEndpoints,
} from '../../webhooks-out/index.js';
import { adminActor } from '../guard.js';
import { endpointDetailView, endpointsView, webhookDeliveryView } from '../views/webhooks-out.js';
import {
  addEndpoint,
  newEndpointSecret,
  resendWebhookDelivery,
  sendTestEvent,
  switchEndpoint,
} from '../webhooks-out-service.js';
import type { ConsoleOptions } from './context.js';
import { beforeParam, idParam, redirectWith, sendConsolePage } from './context.js';

/** The seller's receiver: an absolute http(s) URL (http for a receiver on the same machine or network). */
const endpointForm = z.object({
  url: inputText()
    .trim()
    .max(2000)
    .refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
      } catch {
        return false;
      }
    }),
  description: inputText().trim().max(200).default(''),
  // One checkbox arrives as a string, several as an array; none means every event.
  events: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : [v].flat()))
    .refine((list) => list.every(isWebhookEventType)),
});
const switchForm = z.object({ enabled: z.enum(['1', '0']) });

const PATH = '/admin/webhook-keluar';

/**
 * Webhook keluar: the seller's endpoints, their deliveries (the delivery log), "Kirim ulang" and
 * "Kirim event uji". Every action is a POST with the CSRF token and writes the audit log.
 */
export const webhooksOutConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const tz = opts.config.displayTimeZone;
  const list = async (request: FastifyRequest, reply: FastifyReply, status = 200, error?: string) =>
    sendConsolePage(
      request,
      reply,
      { title: 'Webhook keluar', active: PATH, status },
      endpointsView(await listEndpoints(opts.db), reply.generateCsrf(), tz, error),
    );

  app.get(PATH, (request, reply) => list(request, reply));

  app.post(PATH, { preHandler: app.csrfProtection }, async (request, reply) => {
    const form = endpointForm.safeParse(request.body);
    if (!form.success) return list(request, reply, 400, 'Isi URL http(s) yang lengkap dan pilih event yang dikenal.');
    const id = await addEndpoint(
      opts,
      { url: form.data.url, description: form.data.description, eventTypes: form.data.events },
      adminActor(request),
    );
    return redirectWith(reply, `${PATH}/${id}`, 'endpoint-dibuat');
  });

  app.get(`${PATH}/:id`, async (request, reply) => {
    const endpoint = await findEndpoint(opts.db, idParam(request));
    if (!endpoint) throw new AppError('NOT_FOUND', 'Endpoint tidak ditemukan.');
    const deliveries = await listEndpointDeliveries(opts.db, endpoint.id, beforeParam(request));
    const secret = endpointSecret(endpoint, opts.config.cookieSecret);
    return sendConsolePage(
      request,
      reply,
      { title: endpoint.url, active: PATH },
      endpointDetailView(endpoint, secret, deliveries, reply.generateCsrf(), tz),
    );
  });

  const existing = async (request: FastifyRequest) => {
    const endpoint = await findEndpoint(opts.db, idParam(request));
    if (!endpoint) throw new AppError('NOT_FOUND', 'Endpoint tidak ditemukan.');
    return endpoint;
  };

  app.post(`${PATH}/:id/uji`, { preHandler: app.csrfProtection }, async (request, reply) => {
    const endpoint = await existing(request);
    await sendTestEvent(opts, endpoint.id, adminActor(request));
    opts.onWebhookQueued?.();
    return redirectWith(reply, `${PATH}/${endpoint.id}`, 'uji-dikirim');
  });

  app.post(`${PATH}/:id/aktif`, { preHandler: app.csrfProtection }, async (request, reply) => {
    const endpoint = await existing(request);
    const form = switchForm.safeParse(request.body);
    if (!form.success) throw new AppError('BAD_REQUEST');
    const enabled = form.data.enabled === '1';
    await switchEndpoint(opts, endpoint.id, enabled, adminActor(request));
    if (enabled) opts.onWebhookQueued?.();
    return redirectWith(reply, `${PATH}/${endpoint.id}`, enabled ? 'endpoint-aktif' : 'endpoint-nonaktif');
  });

  app.post(`${PATH}/:id/rahasia`, { preHandler: app.csrfProtection }, async (request, reply) => {
    const endpoint = await existing(request);
    await newEndpointSecret(opts, endpoint.id, adminActor(request));
    return redirectWith(reply, `${PATH}/${endpoint.id}`, 'rahasia-baru');
  });

  app.get(`${PATH}/pengiriman/:id`, async (request, reply) => {
    const found = await deliveryDetail(opts.db, idParam(request));
    if (!found) throw new AppError('NOT_FOUND', 'Pengiriman tidak ditemukan.');
    return sendConsolePage(
      request,
      reply,
      { title: `Pengiriman ${found.delivery.webhook_id}`, active: PATH },
      webhookDeliveryView(found, reply.generateCsrf(), tz),
    );
  });

  app.post(`${PATH}/pengiriman/:id/kirim-ulang`, { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const outcome = await resendWebhookDelivery(opts, id, adminActor(request));
    if (!outcome) throw new AppError('NOT_FOUND', 'Pengiriman tidak ditemukan.');
    if (outcome.resent) opts.onWebhookQueued?.();
    return redirectWith(reply, `${PATH}/pengiriman/${id}`, outcome.resent ? 'kirim-ulang' : 'gagal');
  });
};
