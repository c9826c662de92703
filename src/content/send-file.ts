import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { ByteRange } from './range.js';
import { ifRangeHolds, parseRange } from './range.js';
import type { ContentStorage, StoredFile } from './storage.js';
import { CHUNK_SIZE } from './storage.js';

/**
 * Types a download may be served as; anything else is application/octet-stream. The file is an
 * attachment in any case, and never HTML or SVG from our origin (nosniff keeps browsers from
 * guessing otherwise).
 */
const SERVED_TYPES: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  zip: 'application/zip',
  epub: 'application/epub+zip',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  mp4: 'video/mp4',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  txt: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

export function servedType(name: string): string {
  const extension = /\.([a-z0-9]{1,5})$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  return Object.hasOwn(SERVED_TYPES, extension) ? (SERVED_TYPES[extension] as string) : 'application/octet-stream';
}

/** `attachment` with an ASCII name for old clients and the exact one (RFC 6266, RFC 8187). */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

/** Changes whenever the bytes served change (another upload, this buyer's stamped copy). */
export function fileEtag(file: StoredFile): string {
  return `"${file.id.toString(36)}-${file.sha256.slice(0, 24)}"`;
}

/** What one request gets of a file: the range (null: all of it), and whether it begins the file. */
export interface DownloadPlan {
  range: ByteRange | null;
  /** A GET of byte 0 onwards: the start of a download rather than a resumption (what is counted). */
  fromStart: boolean;
}

/** Reads Range and If-Range; an unsatisfiable range is a 416 naming the size. */
export function planDownload(request: FastifyRequest, reply: FastifyReply, file: StoredFile): DownloadPlan {
  const ifRange = request.headers['if-range'];
  const holds = ifRangeHolds(typeof ifRange === 'string' ? ifRange : undefined, fileEtag(file));
  const asked = holds ? parseRange(request.headers.range, file.size) : null;
  if (asked === 'unsatisfiable') {
    reply.header('content-range', `bytes */${file.size}`);
    throw new AppError('RANGE_NOT_SATISFIABLE');
  }
  return { range: asked, fromStart: request.method === 'GET' && (asked === null || asked.start === 0) };
}

/**
 * Streams a stored file, whole (200) or the one range planned (206, `Content-Range`), straight
 * from storage: one chunk read ahead at most, so a download costs the same memory at 1 MB or 1 GB.
 */
export function sendStoredFile(
  request: FastifyRequest,
  reply: FastifyReply,
  storage: ContentStorage,
  file: StoredFile,
  plan: DownloadPlan,
): FastifyReply {
  const range = plan.range ?? { start: 0, end: file.size - 1 };
  const length = file.size === 0 ? 0 : range.end - range.start + 1;
  reply
    .code(plan.range ? 206 : 200)
    .header('accept-ranges', 'bytes')
    .header('etag', fileEtag(file))
    .header('cache-control', 'private, no-store')
    .header('content-type', servedType(file.name))
    .header('content-disposition', attachment(file.name))
    .header('content-length', String(length))
    // Opened in a tab by mistake, the file still runs nothing of ours.
    .header('content-security-policy', "default-src 'none'; sandbox");
  if (plan.range) reply.header('content-range', `bytes ${range.start}-${range.end}/${file.size}`);
  if (request.method === 'HEAD' || length === 0) return reply.send();
  const stream = Readable.from(storage.read(file, range.start, range.end), {
    objectMode: false,
    highWaterMark: CHUNK_SIZE,
  });
  return reply.send(stream);
}
