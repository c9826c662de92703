import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { addSigningKey, listSigningKeys, retireSigningKey, webhookEnvKeys } from '../../webhooks/index.js';
import { adminActor } from '../guard.js';
import { webhookKeysView } from '../views/webhook-keys.js';
import type { ConsoleOptions } from './context.js';
import { idParam, redirectWith, sendConsolePage } from './context.js';

const keyForm = z.object({
  provider: z.enum(['lynk', 'hesda']),
  secret: z.string().trim().min(8).max(500),
  previous_hours: z.coerce.number().min(0).max(2160).default(72),
});

/** Kunci webhook: the keys every instance verifies webhooks with (src/webhooks/keyring.ts). */
export const webhookKeyConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const env = webhookEnvKeys(opts.config);

  app.get('/admin/kunci-webhook', async (request, reply) =>
    sendConsolePage(
      request,
      reply,
      { title: 'Kunci webhook', active: '/admin/kunci-webhook' },
      webhookKeysView(
        await listSigningKeys(opts.db, env, opts.runtime.now()),
        reply.generateCsrf(),
        opts.config.displayTimeZone,
      ),
    ),
  );

  app.post('/admin/kunci-webhook', { preHandler: app.csrfProtection }, async (request, reply) => {
    const form = keyForm.safeParse(request.body);
    if (!form.success) return redirectWith(reply, '/admin/kunci-webhook', 'kunci-isi');
    const { provider, secret, previous_hours: hours } = form.data;
    const added = await addSigningKey(
      opts.db,
      env,
      { provider, secret, previousValidMs: Math.round(hours * 3_600_000), now: opts.runtime.now() },
      adminActor(request),
    );
    return redirectWith(reply, '/admin/kunci-webhook', added.ok ? 'kunci-aktif' : 'kunci-sama');
  });

  app.post('/admin/kunci-webhook/:id/pensiun', { preHandler: app.csrfProtection }, async (request, reply) => {
    const retired = await retireSigningKey(opts.db, idParam(request), opts.runtime.now(), adminActor(request));
    return redirectWith(reply, '/admin/kunci-webhook', retired.ok ? 'kunci-pensiun' : 'gagal');
  });
};
