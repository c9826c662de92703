import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { emailBody, loginBody, tokenBody } from '../../src/auth/login-schema.js';
import { activateBody, deactivateBody, validateBody } from '../../src/licenses/api-schema.js';
import { hesdaUpdateSchema } from '../../src/ppob/hesda-payload.js';
import { HESDA_STATUSES } from '../../src/ppob/status.js';
import { lynkEnvelopeSchema, lynkPaymentSchema } from '../../src/webhooks/lynk/payload.js';

/**
 * Issue 8, part 3 (properties): the zod schemas at every hostile edge (Lynk and Hesda payloads,
 * the license API, the login posts). Defences proved: no JSON value, prototype keys included,
 * makes a schema throw; every value of the valid shape is accepted; what is accepted parses again
 * to itself, also after a trip through JSON (what is stored is what a replay will read).
 */

const SCHEMAS: [string, z.ZodType][] = [
  ['lynk envelope', lynkEnvelopeSchema],
  ['lynk payment', lynkPaymentSchema],
  ['hesda update', hesdaUpdateSchema],
  ['license activate', activateBody],
  ['license validate', validateBody],
  ['license deactivate', deactivateBody],
  ['login', loginBody],
  ['login link/takeover', tokenBody],
  ['login link request', emailBody],
];

/** Any JSON, and objects whose keys are the dangerous ones, parsed from text so `__proto__` is an own key. */
const DANGEROUS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];
const hostileJson = fc.oneof(
  fc.jsonValue(),
  fc
    .dictionary(fc.oneof(fc.constantFrom(...DANGEROUS), fc.string()), fc.jsonValue(), { maxKeys: 6 })
    .map((o) => JSON.parse(JSON.stringify(o).replace('"toString"', '"__proto__"')) as unknown),
  fc.json().map((text) => JSON.parse(`{"__proto__":${text},"constructor":{"prototype":${text}}}`) as unknown),
);

const roundTrips = (schema: z.ZodType, value: unknown) => {
  const first = schema.safeParse(value);
  expect(first.success, JSON.stringify(first.error?.issues)).toBe(true);
  const again = schema.safeParse(JSON.parse(JSON.stringify(first.data)));
  expect(again.success).toBe(true);
  expect(again.data).toEqual(first.data);
};

// Text of a valid field: printable, no NUL, no surrounding spaces (the schemas trim those).
const word = (max: number) =>
  fc.stringMatching(
    new RegExp(`^[\\p{L}\\p{N}<>'"%;=-](?:[\\p{L}\\p{N} <>'"%;=-]{0,${max - 2}}[\\p{L}\\p{N}<>'"%;=-])?$`, 'u'),
  );
const email = fc.stringMatching(/^[a-z0-9]{1,20}(\.[a-z0-9]{1,10})?@[a-z0-9]{1,20}\.(com|id|co\.id)$/);
const amount = fc.oneof(
  fc.integer({ min: 0, max: 1e9 }),
  fc.integer({ min: 0, max: 1e6 }).map((n) => n.toLocaleString('en')),
);
// Whole rupiah as a number or plain digits: the only forms a signed grandTotal may take.
const grandTotal = fc.oneof(
  fc.integer({ min: 0, max: 1e9 }),
  fc.integer({ min: 0, max: 1e9 }).map((n) => String(n)),
);

const lynkPayment = fc.record({
  event: fc.constant('payment.received'),
  data: fc.record({
    message_id: fc.oneof(word(60), fc.integer({ min: 0 })),
    message_action: fc.constant('SUCCESS'),
    message_data: fc.record({
      refId: word(200),
      createdAt: fc.option(word(30), { nil: undefined }),
      customer: fc.record({ email, name: fc.option(word(100), { nil: null }), phone: fc.option(word(20)) }),
      items: fc.array(
        fc.record({
          title: word(500),
          uuid: fc.option(word(40)),
          qty: fc.integer({ min: 1, max: 1000 }),
          price: amount,
        }),
        { minLength: 1, maxLength: 5 },
      ),
      totals: fc.record({ grandTotal }),
    }),
  }),
});
const hesdaUpdate = fc.record({
  transaction_id: fc.oneof(word(200), fc.integer({ min: 0 })),
  status: fc.constantFrom(...HESDA_STATUSES),
  sn: fc.option(word(200)),
  message: fc.option(word(500)),
  product_name: fc.option(word(200), { nil: undefined }),
  customer_no: fc.option(fc.stringMatching(/^[0-9]{6,15}$/)),
});
const licenseKey = fc.stringMatching(/^KEI(-[A-Z0-9]{4}){4}$/);
const machine = fc.string({ minLength: 1, maxLength: 256 });

describe('payload schemas (property)', () => {
  it.each(SCHEMAS)('%s never throws on any JSON value, prototype keys included', (_name, schema) => {
    fc.assert(
      fc.property(hostileJson, (value) => {
        const result = schema.safeParse(value);
        expect(typeof result.success).toBe('boolean');
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('accepts and round-trips every Lynk payment of the valid shape (envelope too)', () => {
    fc.assert(
      fc.property(lynkPayment, (value) => {
        roundTrips(lynkPaymentSchema, value);
        roundTrips(lynkEnvelopeSchema, value);
      }),
    );
  });

  it('accepts and round-trips every Hesda update of the valid shape', () => {
    fc.assert(fc.property(hesdaUpdate, (value) => roundTrips(hesdaUpdateSchema, value)));
  });

  it('accepts and round-trips every license API body of the valid shape', () => {
    fc.assert(
      fc.property(licenseKey, machine, fc.option(word(100), { nil: undefined }), fc.nat(), (key, fp, name, id) => {
        roundTrips(activateBody, { key, fingerprint: fp, name });
        roundTrips(validateBody, { key, fingerprint: fp });
        roundTrips(deactivateBody, id > 0 ? { key, activation_id: id } : { key, fingerprint: fp });
      }),
    );
  });

  it('accepts and round-trips every login post of the valid shape', () => {
    const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
    fc.assert(
      fc.property(
        email,
        fc.string({ minLength: 1, maxLength: 1000 }),
        hex64,
        fc.boolean(),
        (e, password, fp, takeover) => {
          roundTrips(loginBody, { email: e, password, fingerprint: fp, takeover });
          roundTrips(tokenBody, { token: fp, fingerprint: fp });
          roundTrips(emailBody, { email: e });
        },
      ),
    );
  });
});
