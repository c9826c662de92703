import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { recordAudit } from '../../audit/index.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../../auth/index.js';
import { AppError } from '../../errors.js';
import { inputText } from '../../text-input.js';
import { buildLynkPayment, currentSigningKey, signLynkPayment, webhookEnvKeys } from '../../webhooks/index.js';
import { adminActor } from '../guard.js';
import { auditActions, listAuditPage } from '../lists.js';
import type { TestPaymentForm, TestPaymentResult } from '../views/misc.js';
import { auditView, testPaymentView, tokensView } from '../views/misc.js';
import { prettyBody } from '../views/webhooks.js';
import type { ConsoleOptions } from './context.js';
import { beforeParam, idParam, redirectWith, sendConsolePage, typedFields } from './context.js';

const TEST_EMAIL = 'pembeli.uji@example.com';
const TEST_TITLE = 'Produk Uji Lisensi';
const TEST_PRICE = 72_000;
const testForm = z.object({
  email: z.email('Isi email pembeli dengan alamat yang benar.').max(254, 'Email pembeli paling panjang 254 karakter.'),
  name: inputText().max(200, 'Nama pembeli paling panjang 200 karakter.').default(''),
  title: inputText().trim().min(1, 'Isi judul produk.').max(300, 'Judul produk paling panjang 300 karakter.'),
  uuid: inputText().trim().max(200, 'UUID produk paling panjang 200 karakter.').default(''),
  qty: formNumber('Jumlah harus angka 1 sampai 20.', 1, 20).default(1),
  price: formNumber('Harga harus angka rupiah, 0 sampai 1.000.000.000.', 0, 1_000_000_000).default(TEST_PRICE),
});
/**
 * A whole number typed in a form field, digits only; Indonesian thousands dots are read as such
 * ("10.000" is ten thousand, never ten). Empty, decimals and anything else are `message`.
 */
function formNumber(message: string, min: number, max: number) {
  return z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      const typed = v.trim();
      const digits = /^\d{1,3}(?:\.\d{3})+$/.test(typed) ? typed.replaceAll('.', '') : typed;
      return /^\d{1,15}$/.test(digits) ? Number(digits) : Number.NaN;
    },
    z.number(message).int(message).min(min, message).max(max, message),
  );
}
/** The form's fields as typed, to show them again (strings, cut to what a field may hold). */
const TEST_FIELDS = ['email', 'name', 'title', 'uuid', 'qty', 'price'] as const;
const auditFilter = z.object({
  aksi: inputText().max(100).optional().catch(undefined),
  pelaku: z.enum(['admin', 'api_token', 'cli', 'system', 'member']).optional().catch(undefined),
});
const tokenForm = z.object({ name: inputText().trim().min(1).max(100) });

/** Uji coba, Audit and Token API. */
export const toolConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const tz = opts.config.displayTimeZone;
  // A license product and an address nobody owns by default: a first try issues a key into the
  // dev mailbox (or to example.com, which accepts nothing) rather than making the admin a member.
  const testDefaults = (): TestPaymentForm => ({
    email: TEST_EMAIL,
    name: 'Pembeli Uji',
    title: TEST_TITLE,
    uuid: '',
    qty: '1',
    price: String(TEST_PRICE),
  });
  const webhookUrl = `${opts.config.publicUrl}/webhook/lynk`;
  /** What was sent, shown again in the form: a first try is followed by a second with one thing changed. */
  const typedTest = (body: unknown): TestPaymentForm => ({
    email: '',
    name: '',
    title: '',
    uuid: '',
    qty: '',
    price: '',
    ...typedFields(body, TEST_FIELDS),
  });

  app.get('/admin/uji-coba', async (request, reply) =>
    sendConsolePage(
      request,
      reply,
      { title: 'Uji coba', active: '/admin/uji-coba' },
      testPaymentView(reply.generateCsrf(), { webhookUrl, values: testDefaults() }),
    ),
  );

  // Through app.inject: the real route, signature check and processing, without depending on
  // PUBLIC_URL being reachable from the server itself (behind a proxy it often is not).
  app.post('/admin/uji-coba', { preHandler: app.csrfProtection }, async (request, reply) => {
    const form = testForm.safeParse(request.body);
    if (!form.success)
      return sendConsolePage(
        request,
        reply,
        { title: 'Uji coba', active: '/admin/uji-coba', status: 400 },
        testPaymentView(reply.generateCsrf(), {
          webhookUrl,
          values: typedTest(request.body),
          error: form.error.issues[0]?.message ?? 'Isi formulir dengan benar.',
        }),
      );
    const f = form.data;
    const payment = buildLynkPayment({
      email: f.email,
      name: f.name,
      items: [{ title: f.title, qty: f.qty, price: f.price, ...(f.uuid ? { uuid: f.uuid } : {}) }],
    });
    const key = await currentSigningKey(opts.db, webhookEnvKeys(opts.config), 'lynk', opts.runtime.now());
    const signed = signLynkPayment(payment, key ?? opts.config.lynkMerchantKey);
    const response = await app.inject({
      method: 'POST',
      url: '/webhook/lynk',
      headers: { 'content-type': 'application/json', 'x-lynk-signature': signed.signature },
      payload: signed.body,
    });
    let parsed: { event_id?: unknown; outcome?: unknown } = {};
    try {
      parsed = JSON.parse(response.body) as typeof parsed;
    } catch {
      // An error page instead of JSON: shown as it came.
    }
    const result: TestPaymentResult = {
      status: response.statusCode,
      eventId: typeof parsed.event_id === 'number' ? parsed.event_id : null,
      outcome: typeof parsed.outcome === 'string' ? parsed.outcome : null,
      body: prettyBody(response.body),
    };
    await recordAudit(
      opts.db,
      adminActor(request),
      {
        action: 'test_payment.send',
        ...(result.eventId ? { target: { type: 'webhook_event', id: result.eventId } } : {}),
        details: { email: f.email, title: f.title, status: result.status, outcome: result.outcome },
      },
      opts.runtime.now(),
    );
    return sendConsolePage(
      request,
      reply,
      { title: 'Uji coba', active: '/admin/uji-coba' },
      testPaymentView(reply.generateCsrf(), { webhookUrl, values: typedTest(request.body) }, result),
    );
  });

  app.get('/admin/audit', async (request, reply) => {
    const f = auditFilter.parse(request.query ?? {});
    const [list, actions] = await Promise.all([
      listAuditPage(opts.db, { action: f.aksi || undefined, actorType: f.pelaku, before: beforeParam(request) }),
      auditActions(opts.db),
    ]);
    return sendConsolePage(
      request,
      reply,
      { title: 'Audit', active: '/admin/audit' },
      auditView(list, { action: f.aksi, actor: f.pelaku }, actions, tz),
    );
  });

  app.get('/admin/token', async (request, reply) =>
    sendConsolePage(
      request,
      reply,
      { title: 'Token API', active: '/admin/token' },
      tokensView(await listApiTokens(opts.db), reply.generateCsrf(), tz),
    ),
  );

  // The answer shows the token once (no redirect: it must not sit in a URL or be re-displayed).
  app.post('/admin/token', { preHandler: app.csrfProtection }, async (request, reply) => {
    const form = tokenForm.safeParse(request.body);
    if (!form.success) throw new AppError('BAD_REQUEST', 'Beri nama token.');
    const actor = adminActor(request);
    const created = await createApiToken(opts.db, opts.runtime, { name: form.data.name, createdBy: actor.id }, actor);
    return sendConsolePage(
      request,
      reply,
      { title: 'Token API', active: '/admin/token' },
      tokensView(await listApiTokens(opts.db), reply.generateCsrf(), tz, created),
    );
  });

  app.post('/admin/token/:id/cabut', { preHandler: app.csrfProtection }, async (request, reply) => {
    const revoked = await revokeApiToken(opts.db, opts.runtime, idParam(request), adminActor(request));
    return redirectWith(reply, '/admin/token', revoked ? 'dicabut' : 'gagal');
  });
};
