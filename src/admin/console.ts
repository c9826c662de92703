import type { FastifyPluginAsync } from 'fastify';
import type { GuardDeps } from '../auth/index.js';
import { contentConsoleRoutes } from '../content/index.js';
import { storedProductRules, withStoredRules } from '../products/index.js';
import { html } from '../web/html.js';
import { lastTestPing } from '../webhooks/index.js';
import { adminActor, adminGuard } from './guard.js';
import { loadOverview, productsWithoutRule } from './overview.js';
import type { ConsoleOptions } from './routes/context.js';
import { sendConsolePage } from './routes/context.js';
import { licenseActionRoutes } from './routes/license-actions.js';
import { licenseConsoleRoutes } from './routes/licenses.js';
import { mailConsoleRoutes } from './routes/mail.js';
import { memberConsoleRoutes } from './routes/members.js';
import { orderConsoleRoutes } from './routes/orders.js';
import { ppobConsoleRoutes } from './routes/ppob.js';
import { productConsoleRoutes } from './routes/products.js';
import { refundConsoleRoutes } from './routes/refund.js';
import { sharingConsoleRoutes } from './routes/sharing.js';
import { storeConsoleRoutes } from './routes/store.js';
import { toolConsoleRoutes } from './routes/tools.js';
import { webhookKeyConsoleRoutes } from './routes/webhook-keys.js';
import { webhookConsoleRoutes } from './routes/webhooks.js';
import { webhooksOutConsoleRoutes } from './routes/webhooks-out.js';
import { lynkTestLine, mailStateNotice } from './views/operations.js';
import { overviewView, unmatchedNotice } from './views/overview.js';

export interface AdminConsoleOptions extends ConsoleOptions {
  guard: GuardDeps;
}

/**
 * The operator console under /admin. One guard for the whole scope (admin session, checked in
 * the database on every request), added before any route, so no route can be registered
 * without it; every POST also carries `preHandler: app.csrfProtection`.
 */
export const adminConsoleRoutes: FastifyPluginAsync<AdminConsoleOptions> = async (app, opts) => {
  app.addHook('preHandler', adminGuard(opts.guard));
  const { guard: _guard, ...console } = opts;

  app.get('/admin', async (request, reply) => {
    const tz = opts.config.displayTimeZone;
    const [overview, ping, unmatched] = await Promise.all([
      loadOverview(opts.db, opts.runtime.now(), tz),
      lastTestPing(opts.db, 'lynk'),
      productsWithoutRule(opts.db, opts.config.products),
    ]);
    return sendConsolePage(
      request,
      reply,
      { title: 'Ringkasan', active: '/admin' },
      html`${mailStateNotice(opts.config.mail)}${unmatchedNotice(unmatched)}${overviewView(overview, opts.hub.size, tz)}${lynkTestLine(ping, tz)}`,
    );
  });
  await app.register(orderConsoleRoutes, console);
  await app.register(memberConsoleRoutes, console);
  await app.register(refundConsoleRoutes, console);
  await app.register(licenseConsoleRoutes, console);
  await app.register(licenseActionRoutes, console);
  await app.register(ppobConsoleRoutes, console);
  await app.register(webhookConsoleRoutes, console);
  await app.register(webhooksOutConsoleRoutes, console);
  await app.register(mailConsoleRoutes, console);
  await app.register(productConsoleRoutes, console);
  await app.register(sharingConsoleRoutes, console);
  await app.register(contentConsoleRoutes, {
    db: opts.db,
    now: () => opts.runtime.now(),
    catalog: async () => withStoredRules(opts.config.products, await storedProductRules(opts.db)),
    maxUploadBytes: opts.config.content.maxUploadBytes,
    stampMaxBytes: opts.config.content.stampMaxBytes,
    timeZone: opts.config.displayTimeZone,
    sendPage: (request, reply, title, status, body) =>
      sendConsolePage(request, reply, { title, active: '/admin/produk', status }, body),
    actor: adminActor,
  });
  await app.register(storeConsoleRoutes, console);
  await app.register(toolConsoleRoutes, console);
  await app.register(webhookKeyConsoleRoutes, console);
};
