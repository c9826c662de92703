import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

/**
 * Two keys on the events store:
 * - `signature_digest`: a digest of what a verified Lynk delivery's signature covers. Lynk signs only
 *   grandTotal + refId + message_id, joined without separators, so characters moved between those
 *   fields keep the signature valid while buyer and items are unsigned: one captured delivery could
 *   be turned into new payments. Unique, so a signature is accepted for one body only.
 * - `rejected_key`: (provider, IP, reason, minute) of a refused delivery. Unique, so refusals are
 *   counted on one sampled row instead of a row each (a flood of them filled the disk).
 * NULL in either is never a conflict (both dialects treat NULLs as distinct).
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_events').addColumn('signature_digest', 'text').execute();
  await db.schema.alterTable('webhook_events').addColumn('rejected_key', 'text').execute();
  await db.schema
    .createIndex('webhook_events_signature_digest_uq')
    .on('webhook_events')
    .column('signature_digest')
    .unique()
    .execute();
  await db.schema
    .createIndex('webhook_events_rejected_key_uq')
    .on('webhook_events')
    .column('rejected_key')
    .unique()
    .execute();
  await backfillLynkSignatureDigests(db);
}

const PAGE = 500;

/**
 * Signatures accepted before this migration count as used too, or each delivery captured before the
 * upgrade could still be re-used once. The first delivery of a signature keeps it; a later one with
 * the same signed fields (re-use that already happened) stays NULL and is left for the operator.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's schema type
export async function backfillLynkSignatureDigests(db: Kysely<any>): Promise<void> {
  let after = 0;
  for (;;) {
    const rows: { id: number; raw_body: string }[] = await db
      .selectFrom('webhook_events')
      .select(['id', 'raw_body'])
      .where('provider', '=', 'lynk')
      .where('signature_valid', '=', 1)
      .where('signature_digest', 'is', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      const digest = storedSignatureDigest(row.raw_body);
      if (digest === null) continue;
      await db
        .updateTable('webhook_events')
        .set({ signature_digest: digest })
        .where('id', '=', row.id)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(selectFrom('webhook_events as used').select('used.id').where('used.signature_digest', '=', digest)),
          ),
        )
        .execute();
    }
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return;
    after = last.id;
  }
}

/**
 * The signing base as src/webhooks/lynk/signature.ts computes it at the time of this migration
 * (copied, so later changes there do not change what this migration did).
 */
function storedSignatureDigest(rawBody: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return null;
  }
  const data = (body as { data?: { message_id?: unknown; message_data?: unknown } } | null)?.data;
  const md = data?.message_data as { refId?: unknown; totals?: { grandTotal?: unknown } } | undefined;
  const part = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
  const base = `${part(md?.totals?.grandTotal)}${part(md?.refId)}${part(data?.message_id)}`;
  return createHash('sha256').update(`lynk\n${base}`, 'utf8').digest('hex');
}
