import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { cleanFileName, uploadTitle } from './schema.js';
import type { ContentStorage, StoredFile } from './storage.js';

/** A file posted from the console's upload form, streamed into storage as it arrives. */

export type UploadResult =
  | { ok: true; file: StoredFile; title: string }
  | { ok: false; status: 400 | 413; message: string };

class UploadTooLarge extends Error {}
/** The body broke off or is not multipart as sent: the client's fault (400), never a 500. */
class MalformedUpload extends Error {}

const isTooLarge = (error: unknown) =>
  error instanceof UploadTooLarge || (error as { code?: unknown } | null)?.code === 'FST_REQ_FILE_TOO_LARGE';

/** Busboy ends a file at the size limit and marks it truncated; that upload must not be kept. */
async function* untilLimit(part: MultipartFile): AsyncGenerator<Buffer> {
  try {
    for await (const piece of part.file) yield piece as Buffer;
  } catch (error) {
    throw isTooLarge(error) ? error : new MalformedUpload();
  }
  if (part.file.truncated) throw new UploadTooLarge();
}

/** The next part of the form; a parse failure is the client's. */
async function nextPart(parts: AsyncIterableIterator<Multipart>): Promise<IteratorResult<Multipart>> {
  try {
    return await parts.next();
  } catch (error) {
    throw isTooLarge(error) ? new UploadTooLarge() : new MalformedUpload();
  }
}

/** What the browser says the file is, kept as metadata only (downloads choose their own type). */
function declaredType(mimetype: string): string {
  return /^[a-z0-9.+-]{1,60}\/[a-z0-9.+-]{1,100}$/i.test(mimetype)
    ? mimetype.toLowerCase()
    : 'application/octet-stream';
}

/**
 * CSRF for the upload form. A multipart body is not parsed before the route runs (it is streamed),
 * so the token is read from the form's first field — browsers send fields in document order, and
 * the form puts `_csrf` first — and checked by the same plugin as every other form before a single
 * byte of the file is read. Other bodies take the usual path.
 */
export function multipartForms(app: FastifyInstance, maxBytes: number) {
  const pending = new WeakMap<FastifyRequest, AsyncIterableIterator<Multipart>>();
  async function checkCsrf(request: FastifyRequest, reply: FastifyReply) {
    if (request.isMultipart()) {
      const parts = request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 10_000 } });
      pending.set(request, parts);
      let first: IteratorResult<Multipart>;
      try {
        first = await nextPart(parts);
      } catch {
        throw new AppError('BAD_REQUEST', 'Formulir unggah tidak lengkap.');
      }
      const token =
        !first.done && first.value.type === 'field' && first.value.fieldname === '_csrf'
          ? first.value.value
          : undefined;
      (request as { body: unknown }).body = { _csrf: typeof token === 'string' ? token : '' };
    }
    let passed = false;
    // Refusing, the plugin answers 403 itself through the error handler and never calls back.
    app.csrfProtection(request, reply, () => {
      passed = true;
    });
    if (!passed) return reply;
  }
  return { checkCsrf, partsOf: (request: FastifyRequest) => pending.get(request) };
}

/** Reads the rest of the upload form (title, then the file) into storage. */
export async function receiveUpload(
  parts: AsyncIterableIterator<Multipart>,
  storage: ContentStorage,
  maxBytes: number,
  now: number,
): Promise<UploadResult> {
  let title = '';
  let stored: StoredFile | null = null;
  const mb = Math.round(maxBytes / 1024 / 1024);
  const tooLarge = {
    ok: false,
    status: 413,
    message: `Berkas terlalu besar: maksimal ${mb} MB (CONTENT_MAX_UPLOAD_MB).`,
  } as const;
  const broken = {
    ok: false,
    status: 400,
    message: 'Unggahan terputus atau tidak lengkap. Coba unggah lagi.',
  } as const;
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await nextPart(parts);
    } catch (error) {
      // A file already stored is dropped with the broken request: the seller uploads again.
      if (stored) await storage.remove([stored.id]);
      return error instanceof UploadTooLarge ? tooLarge : broken;
    }
    if (next.done) break;
    const part = next.value;
    if (part.type === 'field') {
      if (part.fieldname === 'title') {
        const parsed = uploadTitle.safeParse(part.value);
        if (!parsed.success) return { ok: false, status: 400, message: 'Judul tidak valid.' };
        title = parsed.data;
      }
      continue;
    }
    if (part.fieldname !== 'file' || !part.filename || stored) {
      part.file.resume(); // an extra or empty file input: drained, never stored
      continue;
    }
    try {
      stored = await storage.save(
        { name: cleanFileName(part.filename), mime: declaredType(part.mimetype) },
        untilLimit(part),
        now,
      );
    } catch (error) {
      if (isTooLarge(error)) return tooLarge;
      if (error instanceof MalformedUpload) return broken;
      throw error;
    }
  }
  if (!stored) return { ok: false, status: 400, message: 'Pilih berkas untuk diunggah.' };
  return { ok: true, file: stored, title: title || stored.name };
}

/** A small file from a one-file form (a store logo), read into memory; larger than `maxBytes` is refused. */
export async function receiveSmallFile(
  parts: AsyncIterableIterator<Multipart>,
  fieldname: string,
  maxBytes: number,
): Promise<{ ok: true; data: Buffer } | { ok: false; status: 400 | 413 }> {
  let data: Buffer | null = null;
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await nextPart(parts);
    } catch (error) {
      return { ok: false, status: error instanceof UploadTooLarge ? 413 : 400 };
    }
    if (next.done) break;
    const part = next.value;
    if (part.type === 'field') continue;
    if (part.fieldname !== fieldname || !part.filename || data) {
      part.file.resume();
      continue;
    }
    const pieces: Buffer[] = [];
    let size = 0;
    try {
      for await (const piece of untilLimit(part)) {
        size += piece.length;
        if (size > maxBytes) throw new UploadTooLarge();
        pieces.push(piece);
      }
    } catch (error) {
      return { ok: false, status: isTooLarge(error) ? 413 : 400 };
    }
    data = Buffer.concat(pieces);
  }
  return data && data.length > 0 ? { ok: true, data } : { ok: false, status: 400 };
}
