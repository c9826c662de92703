import { randomBytes } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import type { LightMyRequestResponse } from 'fastify';
import { PDFArray, PDFDocument, PDFName, PDFRawStream, StandardFonts } from 'pdf-lib';
import { expect } from 'vitest';
import { csrfOf } from '../helpers/admin.js';
import type { TestDevice } from '../helpers/auth.js';
import { cookieHeader, location } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';

/** Products, items, uploads and downloads of the content tests, through the console and member routes. */

export interface UploadPart {
  filename: string;
  type: string;
  data: Buffer;
}

/** A multipart/form-data body with the fields in the order given (the form puts `_csrf` first). */
export function multipartBody(
  fields: readonly (readonly [string, string])[],
  file: UploadPart | null,
  fileField = 'file',
): { payload: Buffer; contentType: string } {
  const boundary = `----gerbang${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of fields)
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${fileField}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
    );
    parts.push(file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Creates a product's content in the console (by exact title unless a uuid is given); returns its id. */
export async function createContent(admin: TestDevice, match: { title?: string; uuid?: string }, name = '') {
  const page = await admin.get('/admin/produk');
  const form = match.uuid
    ? { match: 'uuid', value: match.uuid, name }
    : { match: 'title', value: match.title ?? '', name };
  const res = await admin.post('/admin/produk/konten', form, { csrf: csrfOf(page.body) });
  expect(res.statusCode).toBe(303);
  const id = Number(/\/admin\/produk\/konten\/(\d+)$/.exec(location(res) ?? '')?.[1]);
  expect(id).toBeGreaterThan(0);
  return id;
}

/** Adds a video, link or text item through the editor's form. */
export async function addItem(admin: TestDevice, productId: number, form: Record<string, string>) {
  const page = await admin.get(`/admin/produk/konten/${productId}`);
  return admin.post(`/admin/produk/konten/${productId}/materi`, form, { csrf: csrfOf(page.body) });
}

/** Uploads a file through the editor's multipart form, as a browser sends it. */
export async function uploadFile(
  world: World,
  admin: TestDevice,
  productId: number,
  file: UploadPart,
  options: { title?: string; csrf?: string | null } = {},
): Promise<LightMyRequestResponse> {
  const page = await admin.get(`/admin/produk/konten/${productId}`);
  const csrf = options.csrf === undefined ? csrfOf(page.body) : options.csrf;
  const fields: [string, string][] = [
    ...(csrf === null ? [] : ([['_csrf', csrf]] as [string, string][])),
    ['title', options.title ?? ''],
  ];
  const { payload, contentType } = multipartBody(fields, file);
  return world.app.inject({
    method: 'POST',
    url: `/admin/produk/konten/${productId}/berkas`,
    payload,
    remoteAddress: admin.options.ip ?? '127.0.0.1',
    headers: { 'content-type': contentType, accept: 'text/html', cookie: cookieHeader(admin.cookies) },
  });
}

/** The items of a product, in order, as stored. */
export function storedItems(world: World, productId: number) {
  return world.database.db
    .selectFrom('content_items')
    .selectAll()
    .where('product_id', '=', productId)
    .orderBy('position')
    .orderBy('id')
    .execute();
}

/** Follows the download gate of a page's file link: the signed URL it answers with. */
export async function signedUrl(device: TestDevice, itemId: number, licenseId?: number): Promise<string> {
  const gate = await device.get(`/member/konten/${itemId}/unduh${licenseId ? `?lisensi=${licenseId}` : ''}`);
  expect([gate.statusCode, gate.body]).toEqual([303, '']);
  const url = location(gate) ?? '';
  expect(url).toMatch(new RegExp(`^/member/konten/${itemId}/unduh\\?token=[lm]\\d+\\.\\d+\\.[A-Za-z0-9_-]{43}$`));
  return url;
}

/** Bytes that differ at every position, so a misplaced range shows. */
export function patternedBytes(size: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
  return data;
}

/** A small PDF of `pages` pages, as a seller's e-book. */
export async function samplePdf(pages: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  for (let i = 1; i <= pages; i++) {
    const page = doc.addPage([420, 595]);
    page.drawText(`Bab ${i}: ekspor untuk pemula`, { x: 40, y: 540, size: 14, font });
  }
  return Buffer.from(await doc.save());
}

/**
 * The text each page of a PDF draws with `<hex> Tj` (how pdf-lib writes standard-font text), read
 * from the page's content streams inflated with zlib — not through pdf-lib's own text API.
 */
export async function pageTexts(pdf: Uint8Array): Promise<string[]> {
  const doc = await PDFDocument.load(pdf);
  return doc.getPages().map((page) => {
    const contents = page.node.Contents();
    const streams =
      contents instanceof PDFArray ? contents.asArray().map((ref) => doc.context.lookup(ref)) : [contents];
    const texts: string[] = [];
    for (const stream of streams) {
      if (!(stream instanceof PDFRawStream)) continue;
      const flate = stream.dict.get(PDFName.of('Filter')) === PDFName.of('FlateDecode');
      const raw = Buffer.from(stream.getContents());
      const source = (flate ? inflateSync(raw) : raw).toString('latin1');
      for (const match of source.matchAll(/<([0-9A-Fa-f]+)>\s*Tj/g))
        texts.push(Buffer.from(match[1] ?? '', 'hex').toString('latin1'));
    }
    return texts.join('\n');
  });
}
