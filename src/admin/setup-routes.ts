import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { SignIn } from '../auth/index.js';
import { newPasswordFields } from '../auth/index.js';
import type { Runtime } from '../clock.js';
import type { Database } from '../db/index.js';
import { AppError } from '../errors.js';
import { inputText } from '../text-input.js';
import { html } from '../web/html.js';
import { page } from '../web/layout.js';
import { sendPage } from '../web/respond.js';
import { createAdmin, setupPending } from './setup.js';

const setupForm = z.object({
  email: inputText().trim().min(3).max(254),
  password: z.string().max(1000),
  password_confirm: z.string().max(1000),
  fingerprint: z
    .string()
    .regex(/^([0-9a-f]{64})?$/)
    .default(''),
});

/** Remembers "setup is done" once seen: it never becomes undone, so `/` stops asking. */
function setupState(db: Kysely<Database>) {
  let done = false;
  return async (): Promise<boolean> => {
    if (done) return false;
    const pending = await setupPending(db);
    if (!pending) done = true;
    return pending;
  };
}

function setupPage(csrf: string, email = '', error?: string): string {
  return page(
    'Siapkan Gerbang',
    html`<h1>Siapkan Gerbang</h1>
<p>Belum ada admin. Buat akun admin pertama untuk membuka konsol operator. Halaman ini hanya muncul sekali.</p>
${error ? html`<p class="error" role="alert" id="setup-error">${error}</p>` : ''}
<form method="post" action="/setup" id="setup" data-fingerprint>
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="fingerprint" value="">
<label for="email">Email admin</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${email}">
${newPasswordFields()}
<button type="submit">Buat admin</button>
</form>`,
    { scripts: ['/assets/login.js'] },
  );
}

export interface SetupRouteOptions {
  db: Kysely<Database>;
  runtime: Runtime;
  /** The new admin is signed in at once: they just chose the password on this very page. */
  signIn: SignIn;
}

/**
 * GET/POST /setup — the first-run page. While no admin exists anyone who reaches the server could
 * claim it, as with any self-hosted app's installer; it is one-shot and race-safe (src/admin/setup.ts),
 * and afterwards answers 404.
 */
export const setupRoutes: FastifyPluginAsync<SetupRouteOptions> = async (app, { db, runtime, signIn }) => {
  const pending = setupState(db);
  app.get('/setup', async (_request, reply) => {
    if (!(await pending())) throw new AppError('NOT_FOUND');
    return sendPage(reply, 200, setupPage(reply.generateCsrf()));
  });
  app.post('/setup', { preHandler: app.csrfProtection }, async (request, reply) => {
    if (!(await pending())) throw new AppError('NOT_FOUND');
    const form = setupForm.safeParse(request.body);
    if (!form.success) return sendPage(reply, 400, setupPage(reply.generateCsrf(), '', 'Isi semua kolom.'));
    const { email, password, password_confirm } = form.data;
    if (password !== password_confirm)
      return sendPage(reply, 400, setupPage(reply.generateCsrf(), email, 'Kedua kata sandi tidak sama.'));
    const result = await createAdmin(db, runtime, { email, password, firstRun: true }, (id, label) => ({
      type: 'admin',
      id,
      label,
      ip: request.ip,
    }));
    if (!result.ok) {
      if (result.code === 'SETUP_DONE') throw new AppError('NOT_FOUND', result.message);
      return sendPage(reply, 400, setupPage(reply.generateCsrf(), email, result.message));
    }
    request.log.info({ memberId: result.memberId }, 'first admin created');
    if (await signIn(request, reply, result.memberId, form.data.fingerprint)) return reply.redirect('/admin', 303);
    return reply.redirect('/login?alasan=admin_dibuat', 303);
  });
};

/** preHandler for `GET /`: with no admin yet, the home page leads to the setup page. */
export function firstRunRedirect(db: Kysely<Database>): preHandlerAsyncHookHandler {
  const pending = setupState(db);
  return async (_request: FastifyRequest, reply: FastifyReply) => {
    if (await pending()) return reply.redirect('/setup', 303);
  };
}
