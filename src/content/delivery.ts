import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { Log } from '../logger.js';
import type { Holder } from './signed-url.js';
import type { BuyerStamp } from './stamp.js';
import { stampPdf } from './stamp.js';
import type { ContentStorage, StoredFile } from './storage.js';
import { deliveryFor, keepStampedCopy, noteUnstamped } from './store.js';

/**
 * One stamping at a time per process: pdf-lib holds the whole document (several times its size)
 * in memory, and twenty buyers opening a new e-book at once must not hold twenty copies.
 */
export class StampQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => {});
    return next;
  }
}

export interface DeliveryDeps {
  db: Kysely<Database>;
  storage: ContentStorage;
  stamps: StampQueue;
  stampMaxBytes: number;
  log: Log;
}

export function isPdf(file: { name: string; mime: string }): boolean {
  return file.mime === 'application/pdf' || file.name.toLowerCase().endsWith('.pdf');
}

/**
 * The file a holder downloads: their stamped copy of a PDF (made on the first download and kept),
 * otherwise the upload itself. A PDF that cannot be stamped (too large for CONTENT_STAMP_MAX_MB,
 * encrypted, unreadable) goes out as uploaded, and the reason is kept so it is not retried on every
 * download; the seller sees it beside the downloads.
 */
export async function fileForHolder(
  deps: DeliveryDeps,
  item: { id: number; file_id: number | null },
  holder: Holder,
  buyer: () => Promise<BuyerStamp>,
  now: number,
): Promise<{ file: StoredFile; deliveryId: number } | null> {
  if (item.file_id === null) return null;
  const original = await deps.storage.stat(item.file_id);
  if (!original) return null;
  const delivery = await deliveryFor(deps.db, item.id, holder, now);
  const served = (file: StoredFile) => ({ file, deliveryId: delivery.id });
  if (!isPdf(original) || delivery.stamp_note !== null) return served(original);
  const kept = delivery.stamped_file_id === null ? null : await deps.storage.stat(delivery.stamped_file_id);
  if (kept) return served(kept);
  if (original.size > deps.stampMaxBytes) {
    await noteUnstamped(deps.db, delivery.id, 'terlalu besar');
    return served(original);
  }
  return served(await deps.stamps.run(() => stampOnce(deps, original, delivery.id, holder, buyer, now)));
}

async function stampOnce(
  deps: DeliveryDeps,
  original: StoredFile,
  deliveryId: number,
  holder: Holder,
  buyer: () => Promise<BuyerStamp>,
  now: number,
): Promise<StoredFile> {
  // Another download of this holder may have stamped it while this one waited in the queue.
  const current = await deps.db
    .selectFrom('content_deliveries')
    .select('stamped_file_id')
    .where('id', '=', deliveryId)
    .executeTakeFirst();
  const already = current?.stamped_file_id ? await deps.storage.stat(current.stamped_file_id) : null;
  if (already) return already;

  const parts: Buffer[] = [];
  for await (const part of deps.storage.read(original, 0, original.size - 1)) parts.push(part);
  const result = await stampPdf(Buffer.concat(parts), await buyer());
  if (!result.ok) {
    deps.log.warn({ fileId: original.id, holder, reason: result.reason }, 'content PDF served unstamped');
    await noteUnstamped(deps.db, deliveryId, result.reason === 'encrypted' ? 'terenkripsi' : 'tidak terbaca');
    return original;
  }
  const stamped = await deps.storage.save({ name: original.name, mime: 'application/pdf' }, [result.bytes], now);
  if (await keepStampedCopy(deps.db, deliveryId, stamped.id)) return stamped;
  // Another instance kept its copy first: serve that one, so every download of this holder matches.
  await deps.storage.remove([stamped.id]);
  const winner = await deps.db
    .selectFrom('content_deliveries')
    .select('stamped_file_id')
    .where('id', '=', deliveryId)
    .executeTakeFirst();
  return (winner?.stamped_file_id ? await deps.storage.stat(winner.stamped_file_id) : null) ?? original;
}
