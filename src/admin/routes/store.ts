import fastifyMultipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordAudit } from '../../audit/index.js';
import { multipartForms, receiveSmallFile } from '../../content/index.js';
import { inputText } from '../../text-input.js';
import type { LOGO_TYPES } from '../../web/brand.js';
import { LOGO_MAX_BYTES, loadBrand, saveBrand } from '../../web/brand.js';
import { adminActor } from '../guard.js';
import { storeView } from '../views/store.js';
import type { ConsoleOptions } from './context.js';
import { redirectWith, sendConsolePage } from './context.js';

const oneLine = (max: number) =>
  inputText()
    .transform((v) => v.replace(/\s+/g, ' ').trim())
    .pipe(z.string().max(max));
const storeForm = z.object({
  storeName: oneLine(80).pipe(z.string().min(1)),
  primaryColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/)
    .transform((v) => v.toLowerCase()),
  mailFromName: oneLine(80),
  replyTo: z.union([z.literal(''), z.email().max(254)]),
  footerText: inputText()
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().max(500)),
});

/** The image types a logo may be, told by their first bytes (never by what the browser claims). */
export function logoType(data: Buffer): (typeof LOGO_TYPES)[number] | null {
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  return null;
}

/** Toko: the brand (name, colour, sender, footer, logo), audited on every change. */
export const storeConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  await app.register(fastifyMultipart);
  const uploads = multipartForms(app, LOGO_MAX_BYTES);
  const show = async (request: FastifyRequest, reply: FastifyReply, status = 200, error?: string) =>
    sendConsolePage(
      request,
      reply,
      { title: 'Toko', active: '/admin/toko', status },
      storeView(await loadBrand(opts.db), reply.generateCsrf(), error),
    );
  const audited = async (request: FastifyRequest, action: string, details: Record<string, unknown>) => {
    await recordAudit(opts.db, adminActor(request), { action, details }, opts.runtime.now());
    opts.brand.invalidate();
  };

  app.get('/admin/toko', (request, reply) => show(request, reply));

  app.post('/admin/toko', { preHandler: app.csrfProtection }, async (request, reply) => {
    const form = storeForm.safeParse(request.body);
    if (!form.success)
      return show(request, reply, 400, 'Isi nama toko, warna (#rrggbb) dan alamat balasan yang benar.');
    await saveBrand(opts.db, form.data, opts.runtime.now());
    await audited(request, 'store.update', form.data);
    return redirectWith(reply, '/admin/toko', 'toko');
  });

  app.post('/admin/toko/logo', { preHandler: uploads.checkCsrf }, async (request, reply) => {
    const parts = uploads.partsOf(request);
    if (!parts) return show(request, reply, 400, 'Kirim logo lewat formulir unggah.');
    const file = await receiveSmallFile(parts, 'logo', LOGO_MAX_BYTES);
    if (!file.ok)
      return show(
        request,
        reply,
        file.status,
        file.status === 413
          ? `Logo terlalu besar: maksimal ${Math.round(LOGO_MAX_BYTES / 1024)} KB.`
          : 'Pilih berkas logo.',
      );
    const mime = logoType(file.data);
    if (!mime) return show(request, reply, 400, 'Logo harus gambar PNG, JPEG atau WebP.');
    await saveBrand(opts.db, { logo: { mime, data: file.data.toString('base64') } }, opts.runtime.now());
    await audited(request, 'store.logo', { type: mime, bytes: file.data.length });
    return redirectWith(reply, '/admin/toko', 'logo');
  });

  app.post('/admin/toko/logo/hapus', { preHandler: app.csrfProtection }, async (request, reply) => {
    await saveBrand(opts.db, { logo: null }, opts.runtime.now());
    await audited(request, 'store.logo_remove', {});
    return redirectWith(reply, '/admin/toko', 'logo-hapus');
  });
};
