import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordAudit } from '../../audit/index.js';
import { MAX_OFFLINE_GRACE_DAYS } from '../../config/index.js';
import { contentProductsPanel } from '../../content/index.js';
import { AppError } from '../../errors.js';
import {
  deleteProductRule,
  listProductRules,
  saveProductRule,
  storedProductRules,
  withStoredRules,
} from '../../products/index.js';
import { inputText } from '../../text-input.js';
import { html } from '../../web/html.js';
import { adminActor } from '../guard.js';
import { productsView } from '../views/products.js';
import type { ConsoleOptions } from './context.js';
import { idParam, redirectWith, sendConsolePage, textParam } from './context.js';

/** An empty number field means "none". */
const optionalInt = (max: number) =>
  z.preprocess((v) => (v === '' || v === undefined ? null : v), z.coerce.number().int().positive().max(max).nullable());
const optionalCount = (max: number) =>
  z.preprocess((v) => (v === '' || v === undefined ? null : v), z.coerce.number().int().min(0).max(max).nullable());
const ruleForm = z.object({
  match: z.enum(['uuid', 'title']),
  value: inputText().trim().min(1).max(300),
  action: z.enum(['member', 'license']),
  maxDevices: z.coerce.number().int().positive().max(1000).default(1),
  validityDays: optionalInt(36_500),
  onLimit: z.enum(['refuse', 'takeover']).default('refuse'),
  offlineGraceDays: optionalInt(MAX_OFFLINE_GRACE_DAYS),
  // 0 is a limit too (no takeover / no release at all), so "empty" is the only "none".
  takeoverLimit: optionalCount(1000),
  maxTransfers: optionalCount(1000),
  renewUrl: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? null : v),
    z
      .url({ protocol: /^https?$/ })
      .max(500)
      .nullable()
      .default(null),
  ),
});

/** Produk: the product rules a webhook applies, editable without a restart. */
export const productConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const show = async (request: FastifyRequest, reply: FastifyReply, status = 200, error?: string) => {
    const csrf = reply.generateCsrf();
    const catalog = withStoredRules(opts.config.products, await storedProductRules(opts.db));
    return sendConsolePage(
      request,
      reply,
      { title: 'Produk', active: '/admin/produk', status },
      html`${productsView(await listProductRules(opts.db), opts.config.products, csrf, error, { title: textParam(request, 'judul'), uuid: textParam(request, 'uuid') })}${await contentProductsPanel(opts.db, catalog, csrf)}`,
    );
  };

  app.get('/admin/produk', async (request, reply) => show(request, reply));

  const save = async (request: FastifyRequest, reply: FastifyReply, id: number | null) => {
    const form = ruleForm.safeParse(request.body);
    if (!form.success)
      return show(
        request,
        reply,
        400,
        'Isi aturan dengan benar (judul/UUID, jenis, angka, tautan perpanjangan https://…).',
      );
    const f = form.data;
    const input = {
      uuid: f.match === 'uuid' ? f.value : null,
      title: f.match === 'title' ? f.value : null,
      action: f.action,
      maxDevices: f.maxDevices,
      validityDays: f.validityDays,
      onLimit: f.onLimit,
      offlineGraceDays: f.offlineGraceDays,
      takeoverLimit: f.takeoverLimit,
      maxTransfers: f.maxTransfers,
      renewUrl: f.renewUrl,
    };
    const now = opts.runtime.now();
    const result = await opts.db.transaction().execute(async (trx) => {
      const saved = await saveProductRule(trx, id, input, now);
      if (saved.ok)
        await recordAudit(
          trx,
          adminActor(request),
          {
            action: id === null ? 'product_rule.create' : 'product_rule.update',
            target: { type: 'product_rule', id: saved.id },
            details: input,
          },
          now,
        );
      return saved;
    });
    if (!result.ok && result.code === 'NOT_FOUND') throw new AppError('NOT_FOUND', 'Aturan tidak ditemukan.');
    if (!result.ok) return show(request, reply, 409, 'Sudah ada aturan untuk produk itu. Ubah aturan yang ada.');
    return redirectWith(reply, '/admin/produk', 'produk');
  };

  app.post('/admin/produk', { preHandler: app.csrfProtection }, (request, reply) => save(request, reply, null));
  app.post('/admin/produk/:id', { preHandler: app.csrfProtection }, (request, reply) =>
    save(request, reply, idParam(request)),
  );
  app.post('/admin/produk/:id/hapus', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const now = opts.runtime.now();
    const deleted = await opts.db.transaction().execute(async (trx) => {
      const row = await deleteProductRule(trx, id);
      if (row)
        await recordAudit(
          trx,
          adminActor(request),
          {
            action: 'product_rule.delete',
            target: { type: 'product_rule', id },
            details: { uuid: row.match_uuid, title: row.match_title },
          },
          now,
        );
      return row;
    });
    if (!deleted) throw new AppError('NOT_FOUND', 'Aturan tidak ditemukan.');
    return redirectWith(reply, '/admin/produk', 'hapus');
  });
};
