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
import type { RefusedRule } from '../views/products.js';
import { productsView } from '../views/products.js';
import type { ConsoleOptions } from './context.js';
import { idParam, redirectWith, sendConsolePage, textParam, typedFields } from './context.js';

/** An empty number field means "none"; anything else must be a whole number in range (`message`). */
const optionalWhole = (min: number, max: number, message: string) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? null : v),
    z.coerce.number(message).int(message).min(min, message).max(max, message).nullable(),
  );
const ruleForm = z.object({
  match: z.enum(['uuid', 'title'], 'Pilih cara mencocokkan: judul atau UUID.'),
  value: inputText()
    .trim()
    .min(1, 'Isi judul atau UUID produk.')
    .max(300, 'Judul atau UUID paling panjang 300 karakter.'),
  action: z.enum(['member', 'license'], 'Pilih apa yang dibuat pembayaran: lisensi atau pendaftaran member.'),
  maxDevices: z.coerce
    .number('Maks. perangkat harus angka 1 sampai 1000.')
    .int('Maks. perangkat harus angka 1 sampai 1000.')
    .min(1, 'Maks. perangkat harus angka 1 sampai 1000.')
    .max(1000, 'Maks. perangkat harus angka 1 sampai 1000.')
    .default(1),
  validityDays: optionalWhole(1, 36_500, 'Masa berlaku harus angka hari 1 sampai 36500, atau kosong (selamanya).'),
  onLimit: z.enum(['refuse', 'takeover'], 'Pilih apa yang terjadi bila perangkat penuh.').default('refuse'),
  offlineGraceDays: optionalWhole(
    1,
    MAX_OFFLINE_GRACE_DAYS,
    `Hari boleh offline harus angka 1 sampai ${MAX_OFFLINE_GRACE_DAYS}, atau kosong (bawaan).`,
  ),
  // 0 is a limit too (no takeover / no release at all), so "empty" is the only "none".
  takeoverLimit: optionalWhole(0, 1000, '"Tetap gunakan di sini" harus angka 0 sampai 1000, atau kosong (bawaan).'),
  maxTransfers: optionalWhole(0, 1000, 'Pelepasan perangkat harus angka 0 sampai 1000, atau kosong (bawaan).'),
  renewUrl: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? null : v),
    z
      .url({ protocol: /^https?$/, error: 'Tautan perpanjangan harus alamat lengkap https://… (atau kosong).' })
      .max(500, 'Tautan perpanjangan paling panjang 500 karakter.')
      .nullable()
      .default(null),
  ),
});
const RULE_FIELDS = [
  'match',
  'value',
  'action',
  'maxDevices',
  'validityDays',
  'onLimit',
  'offlineGraceDays',
  'takeoverLimit',
  'maxTransfers',
  'renewUrl',
] as const;

/** Produk: the product rules a webhook applies, editable without a restart. */
export const productConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status = 200,
    error?: string,
    refused?: RefusedRule,
  ) => {
    const csrf = reply.generateCsrf();
    const catalog = withStoredRules(opts.config.products, await storedProductRules(opts.db));
    return sendConsolePage(
      request,
      reply,
      { title: 'Produk', active: '/admin/produk', status },
      html`${productsView(await listProductRules(opts.db), opts.config.products, csrf, error, { title: textParam(request, 'judul'), uuid: textParam(request, 'uuid') }, refused)}${await contentProductsPanel(opts.db, catalog, csrf)}`,
    );
  };

  app.get('/admin/produk', async (request, reply) => show(request, reply));

  const save = async (request: FastifyRequest, reply: FastifyReply, id: number | null) => {
    const form = ruleForm.safeParse(request.body);
    if (!form.success)
      return show(request, reply, 400, undefined, {
        ruleId: id,
        values: typedFields(request.body, RULE_FIELDS),
        message: form.error.issues[0]?.message ?? 'Isi aturan dengan benar.',
      });
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
    if (!result.ok)
      return show(request, reply, 409, undefined, {
        ruleId: id,
        values: typedFields(request.body, RULE_FIELDS),
        message: 'Sudah ada aturan untuk produk itu. Ubah aturan yang ada.',
      });
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
