import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeHesdaSignature, verifyHesdaSignature } from '../../src/webhooks/index.js';

describe('Hesda signature', () => {
  const body = Buffer.from('{"transaction_id":"faVfBMpLMJm0","status":"success"}');

  it('is lowercase hex HMAC-SHA256 of the raw body with the secret key (PHP hash_hmac in seed 003)', () => {
    const expected = createHmac('sha256', 'your_secret_key_here').update(body).digest('hex');
    expect(computeHesdaSignature(body, 'your_secret_key_here')).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyHesdaSignature(body, 'your_secret_key_here', expected)).toBe(true);
  });

  it('refuses another secret, a changed byte, a truncated or empty signature', () => {
    const good = computeHesdaSignature(body, 'secret-one');
    expect(verifyHesdaSignature(body, 'secret-two', good)).toBe(false);
    expect(verifyHesdaSignature(Buffer.from(`${body} `), 'secret-one', good)).toBe(false);
    expect(verifyHesdaSignature(body, 'secret-one', good.slice(0, 63))).toBe(false);
    expect(verifyHesdaSignature(body, 'secret-one', '')).toBe(false);
  });

  it('any change to the body breaks it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), (bytes, at) => {
        const original = Buffer.from(bytes);
        const signature = computeHesdaSignature(original, 'k3y-k3y-k3y');
        const changed = Buffer.from(original);
        const index = at % changed.length;
        changed[index] = ((changed[index] ?? 0) + 1) % 256;
        expect(verifyHesdaSignature(changed, 'k3y-k3y-k3y', signature)).toBe(false);
      }),
    );
  });
});
