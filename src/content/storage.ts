import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';

/** A stored file, ready to be served. */
export interface StoredFile {
  id: number;
  name: string;
  mime: string;
  size: number;
  /** Hex SHA-256 of the bytes (the download's ETag is made from it). */
  sha256: string;
}

/**
 * Where content files live. The database implementation below is the default, and the only one:
 * chunked rows on either dialect, so every instance behind a load balancer serves every upload and
 * a database backup holds the files too. Another backend (an S3 bucket) would implement these four
 * calls; nothing outside this file knows how bytes are kept.
 *
 * - `save` consumes the stream and resolves once every byte is stored and the file is ready; if the
 *   stream fails (the client went away, the size limit cut it) nothing of it stays.
 * - `read` yields bytes `start..end` (inclusive) in order, never holding more than one chunk.
 * - `stat` answers ready files only.
 * - `remove` deletes files and their bytes; missing ids are ignored.
 */
export interface ContentStorage {
  save(
    meta: { name: string; mime: string },
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    now: number,
  ): Promise<StoredFile>;
  stat(id: number): Promise<StoredFile | null>;
  read(file: StoredFile, start: number, end: number): AsyncIterable<Buffer>;
  remove(ids: readonly number[]): Promise<void>;
}

/** 256 KiB: a Range request costs at most two partial chunks; a 100 MB file is 400 rows. */
export const CHUNK_SIZE = 256 * 1024;
/** Chunks written per statement: 1 MiB per commit (SQLite fsyncs each commit with synchronous=FULL). */
const CHUNKS_PER_WRITE = 4;
/** An upload still "uploading" after this was abandoned by a crash: its rows are deleted. */
const ABANDONED_AFTER_MS = 24 * 3_600_000; // a day

/**
 * Each batch of chunks is its own commit, and the file is invisible (status "uploading") until the
 * last one: one transaction around a whole upload would hold SQLite's only writer — and every other
 * request behind Kysely's single connection — for as long as the seller's network needs to send
 * 200 MB, and on PostgreSQL one pooled connection per upload in progress.
 */
export function databaseStorage(db: Kysely<Database>): ContentStorage {
  const stat = async (id: number): Promise<StoredFile | null> => {
    const row = await db
      .selectFrom('content_files')
      .select(['id', 'name', 'mime', 'size', 'sha256'])
      .where('id', '=', id)
      .where('status', '=', 'ready')
      .executeTakeFirst();
    return row
      ? { id: row.id, name: row.name, mime: row.mime, size: Number(row.size), sha256: row.sha256 ?? '' }
      : null;
  };

  const remove = async (ids: readonly number[]) => {
    if (ids.length === 0) return;
    // Chunks first: SQLite enforces the cascade only with foreign_keys on, a copied database may not.
    await db.deleteFrom('content_file_chunks').where('file_id', 'in', ids).execute();
    await db.deleteFrom('content_files').where('id', 'in', ids).execute();
  };

  return {
    stat,
    remove,
    async save(meta, data, now) {
      const abandoned = await db
        .selectFrom('content_files')
        .select('id')
        .where('status', '=', 'uploading')
        .where('created_at', '<', now - ABANDONED_AFTER_MS)
        .execute();
      await remove(abandoned.map((r) => r.id));
      const { id } = await db
        .insertInto('content_files')
        .values({ ...meta, size: 0, chunk_size: CHUNK_SIZE, sha256: null, status: 'uploading', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const hash = createHash('sha256');
      let size = 0;
      let seq = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let rows: { file_id: number; seq: number; data: Buffer }[] = [];
      const cut = () => {
        const joined = Buffer.concat(pending, pendingBytes);
        const chunk = joined.subarray(0, Math.min(CHUNK_SIZE, joined.length));
        const rest = joined.subarray(chunk.length);
        rows.push({ file_id: id, seq: seq++, data: Buffer.from(chunk) });
        pending = rest.length > 0 ? [rest] : [];
        pendingBytes = rest.length;
      };
      const write = async () => {
        if (rows.length === 0) return;
        await db.insertInto('content_file_chunks').values(rows).execute();
        rows = [];
      };
      try {
        for await (const piece of data) {
          hash.update(piece);
          size += piece.length;
          pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
          pendingBytes += piece.length;
          while (pendingBytes >= CHUNK_SIZE) {
            cut();
            if (rows.length >= CHUNKS_PER_WRITE) await write();
          }
        }
        if (pendingBytes > 0) cut();
        await write();
        const sha256 = hash.digest('hex');
        await db.updateTable('content_files').set({ status: 'ready', size, sha256 }).where('id', '=', id).execute();
        return { id, name: meta.name, mime: meta.mime, size, sha256 };
      } catch (error) {
        await remove([id]).catch(() => {});
        throw error;
      }
    },
    async *read(file, start, end) {
      // The file's own chunk size: files stored before a change of CHUNK_SIZE keep theirs.
      const { chunk_size: size } = await db
        .selectFrom('content_files')
        .select('chunk_size')
        .where('id', '=', file.id)
        .executeTakeFirstOrThrow();
      const first = Math.floor(start / size);
      const last = Math.floor(end / size);
      for (let seq = first; seq <= last; seq++) {
        const row = await db
          .selectFrom('content_file_chunks')
          .select('data')
          .where('file_id', '=', file.id)
          .where('seq', '=', seq)
          .executeTakeFirst();
        if (!row) throw new Error(`content file ${file.id} lacks chunk ${seq}`);
        const from = seq === first ? start - seq * size : 0;
        const to = seq === last ? end - seq * size + 1 : row.data.length;
        yield row.data.subarray(from, to);
      }
    },
  };
}
