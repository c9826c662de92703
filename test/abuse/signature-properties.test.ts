import nodeCrypto, { createHash, createHmac } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyHesdaSignature, verifyLynkSignature } from '../../src/webhooks/index.js';

/**
 * Issue 8, part 3 (properties): Lynk's and Hesda's signature checks against a reference written
 * here from the seeds, not from our code. Defences proved: a genuine signature always verifies; a
 * change to a signed field, a body byte or the key never does; no header value makes verify throw;
 * and the comparison is constant-time over fixed-length digests (timingSafeEqual is watched: a
 * check comparing the header's own bytes would show their length, or throw on a short one).
 */

/**
 * timingSafeEqual watched without vi.mock (test files share loaded modules, so a module mock
 * would miss a signature module another file loaded first): the builtin's CommonJS export is
 * wrapped and syncBuiltinESMExports() rebinds the ESM named export our code imported.
 */
const watched = { lengths: [] as [number, number][] };
const realTimingSafeEqual = nodeCrypto.timingSafeEqual;
beforeAll(() => {
  nodeCrypto.timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    watched.lengths.push([a.byteLength, b.byteLength]);
    return realTimingSafeEqual(a, b);
  };
  syncBuiltinESMExports();
});
afterAll(() => {
  nodeCrypto.timingSafeEqual = realTimingSafeEqual;
  syncBuiltinESMExports();
});

// Seed 000: hex SHA-256 of grandTotal + refId + message_id + merchantKey, as plain strings.
const lynkReference = (total: string, refId: string, messageId: string, key: string) =>
  createHash('sha256').update(`${total}${refId}${messageId}${key}`, 'utf8').digest('hex');
// Seed 003: lowercase hex HMAC-SHA256 of the raw body with the secret key.
const hesdaReference = (body: Uint8Array, key: string) => createHmac('sha256', key).update(body).digest('hex');

const envelope = (total: number | string, refId: string, messageId: string) => ({
  event: 'payment.received',
  data: { message_id: messageId, message_data: { refId, totals: { grandTotal: total } } },
});
const total = fc.oneof(fc.integer({ min: 0, max: 1e12 }), fc.stringMatching(/^[0-9]{1,9}(\.[0-9]{1,2})?$/));
const text = fc.string({ unit: 'binary', maxLength: 80 });
const key = fc.string({ unit: 'binary', minLength: 1, maxLength: 64 });
/** Header values as clients send them: hex, not hex, huge, any code point, surrounding spaces. */
const header = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.stringMatching(/^[0-9a-fA-F]{0,130}$/),
  fc.string({ minLength: 5000, maxLength: 20_000 }),
  fc.string({ unit: 'grapheme', maxLength: 64 }).map((s) => ` ${s}\t`),
);

beforeEach(() => {
  watched.lengths.length = 0;
});

describe('Lynk signature (property)', () => {
  it('a signature made with the key always verifies, in any hex case and with surrounding spaces', () => {
    fc.assert(
      fc.property(total, text, text, key, fc.boolean(), (t, refId, messageId, k, upper) => {
        const signature = lynkReference(String(t), refId, messageId, k);
        const sent = upper ? ` ${signature.toUpperCase()} ` : signature;
        expect(verifyLynkSignature(envelope(t, refId, messageId), k, sent)).toBe(true);
      }),
    );
  });

  it('a change to one signed field, or another key, never verifies', () => {
    fc.assert(
      fc.property(total, text, text, key, fc.nat(2), text, (t, refId, messageId, k, which, changed) => {
        const signature = lynkReference(String(t), refId, messageId, k);
        const fields: [string, string, string] = [String(t), refId, messageId];
        fc.pre(changed !== fields[which]);
        fields[which] = changed;
        expect(verifyLynkSignature(envelope(...fields), k, signature)).toBe(false);
        expect(verifyLynkSignature(envelope(t, refId, messageId), `${k}x`, signature)).toBe(false);
      }),
    );
  });

  it('never throws on any header value, and always compares two 32-byte digests', () => {
    fc.assert(
      fc.property(header, (value) => {
        watched.lengths.length = 0;
        expect(verifyLynkSignature(envelope(72000, 'ref', 'msg'), 'merchant-key', value)).toBe(false);
        expect(watched.lengths).toEqual([[32, 32]]);
      }),
    );
  });
});

describe('Hesda signature (property)', () => {
  const body = fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b));

  it('a signature made with the key always verifies', () => {
    fc.assert(
      fc.property(body, key, (raw, k) => {
        expect(verifyHesdaSignature(raw, k, hesdaReference(raw, k))).toBe(true);
      }),
    );
  });

  it('a flipped, added or removed body byte, or another key, never verifies', () => {
    fc.assert(
      fc.property(body, key, fc.nat(), fc.integer({ min: 1, max: 255 }), (raw, k, at, flip) => {
        const signature = hesdaReference(raw, k);
        const appended = Buffer.concat([raw, Buffer.from([flip])]);
        expect(verifyHesdaSignature(appended, k, signature)).toBe(false);
        expect(verifyHesdaSignature(raw, `${k}x`, signature)).toBe(false);
        if (raw.length === 0) return;
        const flipped = Buffer.from(raw);
        flipped[at % raw.length] = (flipped[at % raw.length] ?? 0) ^ flip;
        expect(verifyHesdaSignature(flipped, k, signature)).toBe(false);
        expect(verifyHesdaSignature(raw.subarray(1), k, signature)).toBe(false);
      }),
    );
  });

  it('never throws on any header value, and always compares two 32-byte digests', () => {
    fc.assert(
      fc.property(body, header, (raw, value) => {
        fc.pre(value.trim().toLowerCase() !== hesdaReference(raw, 'secret'));
        watched.lengths.length = 0;
        expect(verifyHesdaSignature(raw, 'secret', value)).toBe(false);
        expect(watched.lengths).toEqual([[32, 32]]);
      }),
    );
  });
});
