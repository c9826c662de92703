import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { emailInput } from '../../members/index.js';
import type { PpobDeps } from '../../ppob/index.js';
import {
  customerNo,
  hesdaSettings,
  idempotencyKey,
  listPpobPage,
  PPOB_STATUSES,
  placePpobOrder,
  ppobDetail,
  productCode,
  resolvePpobTransaction,
} from '../../ppob/index.js';
import { inputText } from '../../text-input.js';
import { adminActor } from '../guard.js';
import { ppobDetailView, ppobListView } from '../views/ppob.js';
import type { ConsoleOptions } from './context.js';
import { beforeParam, idParam, redirectWith, sendConsolePage, textParam } from './context.js';

/**
 * The forms' schemas, built when the plugin registers: src/ppob imports the admin folder (the API
 * token guard), so its exports are not yet defined while this module is first evaluated.
 */
function ppobForms() {
  return {
    status: z.enum(PPOB_STATUSES).optional().catch(undefined),
    // What the operator read on the Hesda dashboard: its id for the order, or that it has none.
    resolve: z.union([
      z.object({ hesda_transaction_id: inputText().trim().min(1).max(200) }),
      z.object({ not_ordered: z.literal('ya') }),
    ]),
    order: z.object({
      product_code: productCode,
      customer_no: customerNo,
      member_email: z
        .string()
        .trim()
        .transform((v) => v || undefined)
        .pipe(emailInput.pipe(z.email().max(254)).optional()),
      // Minted with the form: a double click or a resubmitted page finds the first order.
      idempotency_key: idempotencyKey,
    }),
  };
}

/** PPOB: the transactions, one transaction, reconciling an unknown one, and an order by hand. */
export const ppobConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const deps: PpobDeps = {
    db: opts.db,
    runtime: opts.runtime,
    bus: opts.bus,
    log: app.log,
    hesda: hesdaSettings(opts.config.ppob),
  };
  const tz = opts.config.displayTimeZone;
  const forms = ppobForms();
  const newKey = () => `gbc_${opts.runtime.randomBytes(16).toString('hex')}`;

  app.get('/admin/ppob', async (request, reply) => {
    const status = forms.status.parse((request.query as Record<string, unknown> | null)?.status);
    const search = textParam(request, 'q');
    const list = await listPpobPage(opts.db, { status, search, before: beforeParam(request) });
    const orderKey = deps.hesda ? newKey() : null;
    return sendConsolePage(
      request,
      reply,
      { title: 'PPOB', active: '/admin/ppob' },
      ppobListView(list, { status, search }, { csrf: reply.generateCsrf(), orderKey }, tz),
    );
  });

  app.get('/admin/ppob/:id', async (request, reply) => {
    const detail = await ppobDetail(opts.db, idParam(request));
    if (!detail) throw new AppError('NOT_FOUND', 'Transaksi tidak ditemukan.');
    return sendConsolePage(
      request,
      reply,
      { title: `Transaksi #${detail.transaction.id}`, active: '/admin/ppob' },
      ppobDetailView(detail, reply.generateCsrf(), tz),
    );
  });

  app.post('/admin/ppob/:id/rekonsiliasi', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const form = forms.resolve.safeParse(request.body ?? {});
    if (!form.success) return redirectWith(reply, `/admin/ppob/${id}`, 'ppob-isi');
    const resolution =
      'hesda_transaction_id' in form.data
        ? { hesdaTransactionId: form.data.hesda_transaction_id }
        : { notOrdered: true as const };
    const result = await resolvePpobTransaction(deps, id, resolution, adminActor(request));
    if (result.ok) return redirectWith(reply, `/admin/ppob/${id}`, 'ppob-selesai');
    if (result.code === 'NOT_FOUND') throw new AppError('NOT_FOUND', 'Transaksi tidak ditemukan.');
    return redirectWith(reply, `/admin/ppob/${id}`, result.code === 'HESDA_ID_TAKEN' ? 'ppob-id-dipakai' : 'gagal');
  });

  app.post('/admin/ppob', { preHandler: app.csrfProtection }, async (request, reply) => {
    const form = forms.order.safeParse(request.body ?? {});
    if (!form.success) return redirectWith(reply, '/admin/ppob', 'ppob-isi');
    const result = await placePpobOrder(
      deps,
      {
        productCode: form.data.product_code,
        customerNo: form.data.customer_no,
        memberEmail: form.data.member_email,
        idempotencyKey: form.data.idempotency_key,
      },
      adminActor(request),
    );
    if ('transaction' in result) {
      const message = result.ok
        ? 'ppob-dipesan'
        : result.code === 'PPOB_OUTCOME_UNKNOWN'
          ? 'ppob-unknown'
          : 'ppob-ditolak';
      return redirectWith(reply, `/admin/ppob/${result.transaction.id}`, message);
    }
    const message = {
      PPOB_NOT_CONFIGURED: 'ppob-mati',
      PPOB_MEMBER_NOT_FOUND: 'ppob-member',
      IDEMPOTENCY_CONFLICT: 'gagal',
    }[result.code];
    return redirectWith(reply, '/admin/ppob', message);
  });
};
