import { randomBytes, randomUUID } from 'node:crypto';
import { computeLynkSignature } from './signature.js';

/**
 * A `payment.received` shaped like the ones Lynk.id really sends (captured payloads: empty name and
 * phone allowed, `stock` a number or "unlimited", addon prices as "50,000" strings). Used by
 * `gerbang lynk simulate`, the tests and the benchmark.
 */
export interface SamplePaymentInput {
  email: string;
  name?: string;
  phone?: string;
  items: { title: string; uuid?: string; qty?: number; price?: number }[];
  refId?: string;
  messageId?: string;
  createdAt?: string;
}

export function buildLynkPayment(input: SamplePaymentInput) {
  const items = input.items.map((item) => ({
    addons: [],
    appointment_data: [],
    pafId: '',
    price: item.price ?? 72000,
    public_affiliate_content: [],
    qty: item.qty ?? 1,
    questions: '{}',
    stock: 'unlimited',
    ticket_data: [],
    title: item.title,
    uuid: item.uuid ?? `sim-${randomUUID()}`,
  }));
  const totalPrice = items.reduce((sum, item) => sum + item.price * item.qty, 0);
  return {
    event: 'payment.received',
    data: {
      message_action: 'SUCCESS',
      message_code: '0',
      message_data: {
        createdAt: input.createdAt ?? jakartaNow(),
        customer: { email: input.email, name: input.name ?? '', phone: input.phone ?? '' },
        items,
        refId: input.refId ?? randomBytes(16).toString('hex'),
        shippingAddress: '',
        shippingInfo: '',
        totals: {
          affiliate: 0,
          convenienceFee: 0,
          customerPay: totalPrice,
          discount: 0,
          grandTotal: totalPrice,
          totalAddon: 0,
          totalItem: items.reduce((n, item) => n + item.qty, 0),
          totalPrice,
          totalShipping: 0,
        },
        voucherCode: '',
        voucherQuantity: '',
      },
      message_desc: '',
      message_id: input.messageId ?? `SIM_${Date.now()}_${randomBytes(4).toString('hex')}`,
      message_title: '',
    },
  };
}

export type LynkPaymentBody = ReturnType<typeof buildLynkPayment>;

/** The body as bytes plus the X-Lynk-Signature Lynk would send with it. */
export function signLynkPayment(payment: object, merchantKey: string): { body: string; signature: string } {
  return { body: JSON.stringify(payment), signature: computeLynkSignature(payment, merchantKey) };
}

/** Lynk writes createdAt as Western Indonesian Time (UTC+7) without a zone suffix. */
function jakartaNow(): string {
  return new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 19);
}
