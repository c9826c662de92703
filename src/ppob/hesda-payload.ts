import { z } from 'zod';
import { HESDA_STATUSES } from './status.js';

/**
 * The body of Hesda's `transaction.update` webhook (seed 003): transaction_id, product_name,
 * customer_no, sn ("kosong jika gagal"), status success|failed|pending, message; the seed's cURL
 * example also carries product_code and price. Only transaction_id and status are required.
 */

// NUL is legal in JSON but not in a PostgreSQL text column.
const withoutNul = (s: string) => s.replaceAll('\u0000', '');
const text = z.union([z.string(), z.number()]).transform((v) => withoutNul(String(v)).trim());
const optionalText = (max: number) => text.nullish().transform((v) => (v ? v.slice(0, max) : null));

export const hesdaUpdateSchema = z
  .object({
    transaction_id: text.pipe(z.string().min(1).max(200)),
    status: z.enum(HESDA_STATUSES),
    sn: optionalText(200),
    message: optionalText(500),
    product_name: optionalText(200),
    customer_no: optionalText(100),
  })
  .loose();
export type HesdaUpdate = z.infer<typeof hesdaUpdateSchema>;

/** The only event type Hesda documents; others are stored and acknowledged. */
export const HESDA_UPDATE_EVENT = 'transaction.update';

/**
 * The delivery id for the events store. Hesda sends none, so it is the transaction id plus a digest
 * of the exact body: a replay of the same bytes is a repeat, a later update of the same
 * transaction is a new delivery, and operators still read which transaction it was about.
 */
export function hesdaDeliveryId(transactionId: string, bodyDigestHex: string): string {
  return `${transactionId.slice(0, 200)}#${bodyDigestHex.slice(0, 16)}`;
}

/** The range of delivery ids of one transaction (no LIKE, so `%` or `_` in an id mean nothing). */
export function hesdaDeliveryIdRange(transactionId: string): { from: string; to: string } {
  const prefix = transactionId.slice(0, 200);
  return { from: `${prefix}#`, to: `${prefix}$` };
}
