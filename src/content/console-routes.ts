import fastifyMultipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Database } from '../db/index.js';
import { AppError } from '../errors.js';
import type { ProductCatalog } from '../products/index.js';
import type { SafeHtml } from '../web/html.js';
import { isMembershipProduct } from './access.js';
import { contentProductsSection, editorView } from './console-views.js';
import { contentItemEdit, contentItemForm, contentProductForm } from './schema.js';
import { databaseStorage } from './storage.js';
import {
  addItem,
  createContentProduct,
  downloadsOf,
  findContentProduct,
  findItem,
  listContentProducts,
  listItems,
  moveItem,
  removeContentProduct,
  removeItems,
  updateItem,
} from './store.js';
import { multipartForms, receiveUpload } from './upload.js';
import { normaliseVideoUrl } from './video-url.js';

export interface ContentConsoleOptions {
  db: Kysely<Database>;
  now: () => number;
  catalog: () => Promise<ProductCatalog>;
  maxUploadBytes: number;
  stampMaxBytes: number;
  timeZone: string;
  /** The console's frame (navigation, flash message) around a page of this plugin. */
  sendPage: (
    request: FastifyRequest,
    reply: FastifyReply,
    title: string,
    status: number,
    body: SafeHtml,
  ) => FastifyReply;
  actor: (request: FastifyRequest) => AuditActor;
}

const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
function idOf(request: FastifyRequest): number {
  const parsed = idParams.safeParse(request.params);
  if (!parsed.success) throw new AppError('NOT_FOUND');
  return parsed.data.id;
}
const back = (reply: FastifyReply, productId: number, message: string) =>
  reply.redirect(`/admin/produk/konten/${productId}?pesan=${message}#content-items`, 303);

/**
 * Produk → Konten produk: a product's items, added, changed, reordered and removed; files uploaded
 * here. Registered inside the console's scope (its admin guard runs first); every change is audited
 * in the transaction that makes it.
 */
export const contentConsoleRoutes: FastifyPluginAsync<ContentConsoleOptions> = async (app, opts) => {
  const { db } = opts;
  await app.register(fastifyMultipart);
  const uploads = multipartForms(app, opts.maxUploadBytes);

  const audited = <T>(
    request: FastifyRequest,
    action: string,
    target: number,
    details: Record<string, unknown>,
    change: (trx: Kysely<Database>) => Promise<T>,
  ) =>
    db.transaction().execute(async (trx) => {
      const result = await change(trx);
      await recordAudit(
        trx,
        opts.actor(request),
        { action, target: { type: 'content_product', id: target }, details },
        opts.now(),
      );
      return result;
    });

  const showEditor = async (
    request: FastifyRequest,
    reply: FastifyReply,
    productId: number,
    status = 200,
    error?: string,
  ) => {
    const product = await findContentProduct(db, productId);
    if (!product) throw new AppError('NOT_FOUND', 'Konten produk tidak ditemukan.');
    const items = await listItems(db, [product.id]);
    const downloads = await downloadsOf(
      db,
      items.filter((i) => i.kind === 'file').map((i) => i.id),
    );
    const body = editorView({
      product,
      membership: isMembershipProduct(await opts.catalog(), product),
      items,
      downloads,
      csrf: reply.generateCsrf(),
      error,
      maxUploadBytes: opts.maxUploadBytes,
      stampMaxBytes: opts.stampMaxBytes,
      timeZone: opts.timeZone,
    });
    return opts.sendPage(request, reply, `Konten: ${product.name}`, status, body);
  };

  app.get('/admin/produk/konten/:id', (request, reply) => showEditor(request, reply, idOf(request)));

  app.post('/admin/produk/konten', { preHandler: app.csrfProtection }, async (request, reply) => {
    const form = contentProductForm.safeParse(request.body);
    if (!form.success) return reply.redirect('/admin/produk?pesan=konten-isi#konten', 303);
    const { match, value, name } = form.data;
    const input = {
      uuid: match === 'uuid' ? value : null,
      title: match === 'title' ? value : null,
      name: name || value,
    };
    const now = opts.now();
    const result = await db.transaction().execute(async (trx) => {
      const created = await createContentProduct(trx, input, now);
      if (created.ok)
        await recordAudit(
          trx,
          opts.actor(request),
          { action: 'content.product_create', target: { type: 'content_product', id: created.id }, details: input },
          now,
        );
      return created;
    });
    if (!result.ok) return reply.redirect('/admin/produk?pesan=konten-ada#konten', 303);
    return reply.redirect(`/admin/produk/konten/${result.id}`, 303);
  });

  app.post('/admin/produk/konten/:id/hapus', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idOf(request);
    const removed = await audited(request, 'content.product_delete', id, {}, (trx) => removeContentProduct(trx, id));
    if (!removed) throw new AppError('NOT_FOUND', 'Konten produk tidak ditemukan.');
    return reply.redirect('/admin/produk?pesan=konten-dihapus#konten', 303);
  });

  app.post('/admin/produk/konten/:id/materi', { preHandler: app.csrfProtection }, async (request, reply) => {
    const productId = idOf(request);
    if (!(await findContentProduct(db, productId))) throw new AppError('NOT_FOUND', 'Konten produk tidak ditemukan.');
    const form = contentItemForm.safeParse(request.body);
    if (!form.success)
      return showEditor(request, reply, productId, 400, 'Isi materi dengan benar: judul, dan URL http(s) atau teks.');
    const f = form.data;
    const video = f.kind === 'video' ? normaliseVideoUrl(f.url) : null;
    const item =
      f.kind === 'text'
        ? { kind: f.kind, title: f.title, body: f.body }
        : { kind: f.kind, title: f.title, url: video?.embedUrl ?? f.url, sourceUrl: f.kind === 'video' ? f.url : null };
    await audited(request, 'content.item_add', productId, { kind: f.kind, title: f.title }, (trx) =>
      addItem(trx, productId, item, opts.now()),
    );
    return back(reply, productId, video?.warning ? 'video-peringatan' : 'materi-ditambah');
  });

  app.post('/admin/produk/konten/:id/berkas', { preHandler: uploads.checkCsrf }, async (request, reply) => {
    const productId = idOf(request);
    const parts = uploads.partsOf(request);
    if (!parts) return showEditor(request, reply, productId, 400, 'Kirim berkas lewat formulir unggah.');
    if (!(await findContentProduct(db, productId))) throw new AppError('NOT_FOUND', 'Konten produk tidak ditemukan.');
    const upload = await receiveUpload(parts, databaseStorage(db), opts.maxUploadBytes, opts.now());
    if (!upload.ok) return showEditor(request, reply, productId, upload.status, upload.message);
    const { file, title } = upload;
    await audited(
      request,
      'content.file_upload',
      productId,
      { title, file: file.name, size: file.size, sha256: file.sha256 },
      (trx) => addItem(trx, productId, { kind: 'file', title, fileId: file.id }, opts.now()),
    );
    request.log.info({ productId, fileId: file.id, size: file.size }, 'content file uploaded');
    return back(reply, productId, 'berkas-diunggah');
  });

  const itemOf = async (request: FastifyRequest) => {
    const item = await findItem(db, idOf(request));
    if (!item) throw new AppError('NOT_FOUND', 'Materi tidak ditemukan.');
    return item;
  };

  app.post('/admin/produk/materi/:id', { preHandler: app.csrfProtection }, async (request, reply) => {
    const item = await itemOf(request);
    const form = contentItemEdit.safeParse(request.body);
    const url = form.success ? form.data.url : undefined;
    const valid = form.success && (item.kind === 'video' || item.kind === 'link' ? url !== undefined : true);
    if (!form.success || !valid)
      return showEditor(
        request,
        reply,
        item.product_id,
        400,
        'Isi materi dengan benar: judul, dan URL http(s) atau teks.',
      );
    const video = item.kind === 'video' && url !== undefined ? normaliseVideoUrl(url) : null;
    const patch = {
      title: form.data.title,
      ...(item.kind === 'video' && video ? { url: video.embedUrl, sourceUrl: url } : {}),
      ...(item.kind === 'link' ? { url } : {}),
      ...(item.kind === 'text' ? { body: form.data.body ?? '' } : {}),
    };
    await audited(request, 'content.item_update', item.product_id, { item: item.id, title: patch.title }, (trx) =>
      updateItem(trx, item.id, patch, opts.now()),
    );
    return back(reply, item.product_id, video?.warning ? 'video-peringatan' : 'materi-diubah');
  });

  for (const [action, direction] of [
    ['naik', -1],
    ['turun', 1],
  ] as const) {
    app.post(`/admin/produk/materi/:id/${action}`, { preHandler: app.csrfProtection }, async (request, reply) => {
      const item = await itemOf(request);
      await audited(request, 'content.item_move', item.product_id, { item: item.id, direction: action }, (trx) =>
        moveItem(trx, item.id, direction, opts.now()),
      );
      return back(reply, item.product_id, 'materi-dipindah');
    });
  }

  app.post('/admin/produk/materi/:id/hapus', { preHandler: app.csrfProtection }, async (request, reply) => {
    const item = await itemOf(request);
    await audited(
      request,
      'content.item_delete',
      item.product_id,
      { item: item.id, kind: item.kind, title: item.title },
      (trx) => removeItems(trx, [item.id]),
    );
    return back(reply, item.product_id, 'materi-dihapus');
  });
};

/** The "Konten produk" part of the console's Produk page. */
export async function contentProductsPanel(
  db: Kysely<Database>,
  catalog: ProductCatalog,
  csrf: string,
): Promise<SafeHtml> {
  const products = await listContentProducts(db);
  return contentProductsSection(
    products.map((p) => ({ ...p, membership: isMembershipProduct(catalog, p) })),
    csrf,
  );
}
