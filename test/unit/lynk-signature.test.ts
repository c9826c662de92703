import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lynkEnvelopeSchema } from '../../src/webhooks/lynk/payload.js';
import { computeLynkSignature, lynkSignatureBase, verifyLynkSignature } from '../../src/webhooks/lynk/signature.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const envelope = (grandTotal: number | string, refId: string, messageId: string) => ({
  event: 'payment.received',
  data: { message_id: messageId, message_data: { refId, totals: { grandTotal } } },
});

describe('Lynk signature', () => {
  it('is hex SHA-256 of grandTotal + refId + message_id + merchant key, concatenated as strings', () => {
    const e = envelope(72000, '81ba2e2ba80ca630518f8bc9399ab18b', 'API_CALL_1779543088203128_5808648');
    expect(lynkSignatureBase(e)).toBe('7200081ba2e2ba80ca630518f8bc9399ab18bAPI_CALL_1779543088203128_5808648');
    expect(computeLynkSignature(e, 'merchant')).toBe(
      sha256('7200081ba2e2ba80ca630518f8bc9399ab18bAPI_CALL_1779543088203128_5808648merchant'),
    );
  });

  it('writes grandTotal the way Lynk writes the number (72000, 0, 1500.5)', () => {
    expect(lynkSignatureBase(envelope(72000.0, 'r', 'm'))).toBe('72000rm');
    expect(lynkSignatureBase(envelope(0, 'r', 'm'))).toBe('0rm');
    expect(lynkSignatureBase(envelope(1500.5, 'r', 'm'))).toBe('1500.5rm');
    expect(lynkSignatureBase(envelope('72000', 'r', 'm'))).toBe('72000rm');
  });

  it('a numeric message_id in JSON signs like its string form', () => {
    const parsed = lynkEnvelopeSchema.parse(
      JSON.parse('{"data":{"message_id":123,"message_data":{"refId":"r","totals":{"grandTotal":5}}}}'),
    );
    expect(lynkSignatureBase(parsed)).toBe('5r123');
  });

  it('accepts its own signature for any payment fields and key (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 1e9 }), fc.double({ min: 0, max: 1e9, noNaN: true })),
        fc.string(),
        fc.string(),
        fc.string({ minLength: 8 }),
        (total, ref, msg, key) => {
          const e = envelope(total, ref, msg);
          return verifyLynkSignature(e, key, computeLynkSignature(e, key));
        },
      ),
    );
  });

  it('rejects any other signature, key, or changed field (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 8 }),
        fc.string(),
        (total, ref, msg, key, other) => {
          const e = envelope(total, ref, msg);
          const good = computeLynkSignature(e, key);
          fc.pre(other.toLowerCase() !== good);
          return (
            !verifyLynkSignature(e, key, other) &&
            !verifyLynkSignature(e, `${key}x`, good) &&
            !verifyLynkSignature(envelope(total + 1, ref, msg), key, good) &&
            !verifyLynkSignature(envelope(total, `${ref}x`, msg), key, good)
          );
        },
      ),
    );
  });

  it('verification never throws on hostile header values (property)', () => {
    const e = envelope(1, 'r', 'm');
    fc.assert(
      fc.property(fc.string({ maxLength: 5000 }), (header) => verifyLynkSignature(e, 'key-12345', header) === false),
    );
  });
});
