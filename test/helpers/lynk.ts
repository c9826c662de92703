import type { FastifyInstance } from 'fastify';
import type { SamplePaymentInput } from '../../src/webhooks/index.js';
import { buildLynkPayment, signLynkPayment } from '../../src/webhooks/index.js';
import { MERCHANT_KEY } from './world.js';

export function payment(overrides: Partial<SamplePaymentInput> = {}) {
  return buildLynkPayment({
    email: 'budi@example.com',
    name: 'Budi Santoso',
    phone: '081234567890',
    items: [{ title: 'E-book Ekspor', uuid: 'prod-ebook', qty: 1, price: 72000 }],
    ...overrides,
  });
}

/** POSTs a body to /webhook/lynk through inject(), signed with the test merchant key unless told otherwise. */
export function postLynk(
  app: FastifyInstance,
  body: object | string,
  options: { signature?: string | null; headers?: Record<string, string> } = {},
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const signature =
    options.signature === undefined
      ? typeof body === 'string'
        ? undefined
        : signLynkPayment(body, MERCHANT_KEY).signature
      : options.signature;
  return app.inject({
    method: 'POST',
    url: '/webhook/lynk',
    headers: {
      'content-type': 'application/json',
      ...(signature ? { 'x-lynk-signature': signature } : {}),
      ...options.headers,
    },
    payload: raw,
  });
}
