import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { html } from '../../web/html.js';
import { contentSecurityPolicy } from '../../web/respond.js';
import { adminActor } from '../guard.js';
import { listOutbox } from '../lists.js';
import { mailDetail, retryMail } from '../mail-service.js';
import { mailDetailView, mailListView } from '../views/mail.js';
import { mailStateNotice } from '../views/operations.js';
import type { ConsoleOptions } from './context.js';
import { beforeParam, idParam, redirectWith, sendConsolePage, textParam } from './context.js';

const statusFilter = z.enum(['pending', 'sending', 'sent', 'failed']).optional().catch(undefined);

/**
 * A mail's HTML is someone else's markup (names and titles from payloads, rendered by our
 * templates, but still): it is shown only inside a sandboxed frame (no scripts, an opaque
 * origin), from its own route whose policy allows nothing but inline styles and data: images.
 */
const MAIL_FRAME_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox";

/** Email: the outbox with status, attempts and errors; retry; the dev mailbox. */
export const mailConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const tz = opts.config.displayTimeZone;
  const devMailbox = opts.config.mail.transport === 'dev';

  app.get('/admin/email', async (request, reply) => {
    const status = statusFilter.parse((request.query as Record<string, unknown> | null)?.status);
    const to = textParam(request, 'kepada');
    const list = await listOutbox(opts.db, opts.dialect, { status, to, before: beforeParam(request) });
    return sendConsolePage(
      request,
      reply,
      { title: 'Email', active: '/admin/email' },
      html`${mailStateNotice(opts.config.mail)}${mailListView(list, { status, to }, devMailbox, tz)}`,
    );
  });

  app.get('/admin/email/:id', async (request, reply) => {
    const mail = await mailDetail(opts.db, idParam(request));
    if (!mail) throw new AppError('NOT_FOUND', 'Email tidak ditemukan.');
    reply.header('content-security-policy', contentSecurityPolicy("'self'"));
    return sendConsolePage(
      request,
      reply,
      { title: mail.subject, active: '/admin/email' },
      mailDetailView(mail, reply.generateCsrf(), devMailbox, tz),
    );
  });

  app.get('/admin/email/:id/isi', async (request, reply) => {
    const mail = await mailDetail(opts.db, idParam(request));
    if (!mail?.html_body || !devMailbox) throw new AppError('NOT_FOUND', 'Email tidak ditemukan.');
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', MAIL_FRAME_POLICY)
      .header('x-frame-options', 'SAMEORIGIN')
      .header('cache-control', 'no-store')
      .send(mail.html_body);
  });

  app.post('/admin/email/:id/kirim-ulang', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const done = await retryMail(opts.db, opts.runtime, id, adminActor(request));
    if (done) opts.onMailQueued?.();
    return redirectWith(reply, `/admin/email/${id}`, done ? 'retry' : 'gagal');
  });
};
