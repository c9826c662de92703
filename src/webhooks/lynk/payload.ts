import { z } from 'zod';
import { canonicalEmail } from '../../members/index.js';

/**
 * What Lynk.id really sends varies (seed 000 §1 and captured payloads): `stock` may be a number or
 * "unlimited", addon prices are strings like "50,000", name and phone may be empty, `items` may hold
 * several lines with qty > 1, and test events exist. These schemas accept all of that and reject
 * only what cannot be right.
 */

// NUL is legal in JSON ("\u0000") but not in a PostgreSQL text column; it never belongs in a name.
const withoutNul = (s: string) => s.replaceAll('\u0000', '');
/** Signed fields stay exactly as sent: the signature is computed over them. */
const signedText = z.union([z.string(), z.number()]).transform(String);
const text = signedText.transform(withoutNul);
const optionalText = text.nullish().transform((v) => (v ?? '').trim());

/**
 * Lynk amounts are whole rupiah, sent as a JSON number (72000) or a digit string ("72000"). Only
 * those forms are accepted: a whole JSON number from 0 up to 2^53 - 1, or at most 15 plain digits
 * without sign, spaces, leading zeros, decimals or exponent. Any other spelling ("1e3",
 * " 100", "0x10", "100abc", "-5", "72000.5") would let the signed text say one amount and the
 * stored order another, and would give a captured signature more ways to be re-arranged.
 */
export const grandTotalSchema = z.union([
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  z.string().regex(/^(0|[1-9][0-9]{0,14})$/, 'grandTotal harus berupa bilangan bulat rupiah'),
]);

/** Canonical (trimmed, lower-cased), or refused before lower-casing could fold it into another mailbox. */
function buyerEmail(value: string, ctx: z.RefinementCtx): string {
  const checked = canonicalEmail(value);
  if (checked.ok) return checked.email;
  ctx.addIssue({ code: 'custom', message: `email pembeli ditolak: ${checked.message}` });
  return z.NEVER;
}

/** The fields the signature covers; anything else may be absent on non-payment events. */
export const lynkEnvelopeSchema = z.object({
  event: z.string().max(200).transform(withoutNul).optional(),
  data: z
    .object({
      message_id: signedText.optional(),
      message_action: z.string().max(200).optional(),
      message_data: z
        .object({
          refId: signedText.optional(),
          totals: z.object({ grandTotal: grandTotalSchema.optional() }).loose().optional(),
        })
        .loose()
        .optional(),
    })
    .loose()
    .optional(),
});
export type LynkEnvelope = z.infer<typeof lynkEnvelopeSchema>;

const lynkItemSchema = z
  .object({
    title: z.string().transform(withoutNul).pipe(z.string().trim().min(1, 'judul produk kosong').max(500)),
    uuid: optionalText,
    // Lynk omits qty on some products; a missing qty means one unit.
    qty: z.coerce.number().int().min(1).max(1000).default(1),
    price: z.union([z.number(), z.string()]).optional(),
  })
  .loose();

export const lynkPaymentSchema = z.object({
  event: z.literal('payment.received'),
  data: z
    .object({
      message_id: text,
      message_action: z.literal('SUCCESS'),
      message_data: z
        .object({
          refId: text.pipe(z.string().min(1).max(200)),
          createdAt: optionalText,
          customer: z
            .object({
              email: z
                .string({ error: 'email pembeli tidak ada' })
                .transform(buyerEmail)
                .pipe(z.email({ error: 'email pembeli tidak valid' }).max(254)),
              name: optionalText,
              phone: optionalText,
            })
            .loose(),
          items: z.array(lynkItemSchema).min(1, 'pesanan tanpa item').max(200),
          totals: z.object({ grandTotal: grandTotalSchema }).loose(),
        })
        .loose(),
    })
    .loose(),
});
export type LynkPayment = z.infer<typeof lynkPaymentSchema>;
export type LynkItem = LynkPayment['data']['message_data']['items'][number];

/** Lynk marks a paid order with event payment.received and message_action SUCCESS; all else is ignored. */
export function isPaidPayment(event: string, messageAction: string): boolean {
  return event === 'payment.received' && messageAction === 'SUCCESS';
}

/** The delivery id used for idempotency: Lynk's message_id, else the payment's refId. */
export function lynkDeliveryId(envelope: LynkEnvelope): string | null {
  const id = envelope.data?.message_id ?? envelope.data?.message_data?.refId;
  return id === undefined ? null : withoutNul(id).slice(0, 200);
}
