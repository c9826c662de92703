import { describe, expect, it } from 'vitest';
import { canonicalLicenseKey } from '../../src/licenses/index.js';
import { openSecret, sealSecret } from '../../src/secret-box.js';
import { newEndpointSecret, signWebhook, verifyWebhook } from '../../src/webhooks-out/index.js';

// The example of the Standard Webhooks / Svix documentation ("Verifying webhooks manually").
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

describe('Standard Webhooks signatures', () => {
  it('sign the published example exactly', () => {
    expect(signWebhook(SECRET, ID, TIMESTAMP, BODY)).toBe(SIGNATURE);
  });

  it('a receiver accepts it within five minutes, among several signatures, and nothing else', () => {
    const headers = { id: ID, timestamp: String(TIMESTAMP), signature: SIGNATURE };
    expect(verifyWebhook(SECRET, headers, BODY, TIMESTAMP + 299)).toBe(true);
    expect(verifyWebhook(SECRET, { ...headers, signature: `v1,AAAA ${SIGNATURE}` }, BODY, TIMESTAMP)).toBe(true);
    expect(verifyWebhook(SECRET, headers, BODY, TIMESTAMP + 301)).toBe(false);
    expect(verifyWebhook(SECRET, headers, `${BODY} `, TIMESTAMP)).toBe(false);
    expect(verifyWebhook(SECRET, { ...headers, id: 'msg_other' }, BODY, TIMESTAMP)).toBe(false);
    expect(verifyWebhook(SECRET, { ...headers, signature: SIGNATURE.replace('v1,', 'v2,') }, BODY, TIMESTAMP)).toBe(
      false,
    );
  });

  it('new secrets are whsec_ and 24 random bytes', () => {
    const secret = newEndpointSecret((n) => Buffer.alloc(n, 7));
    expect(secret).toBe(`whsec_${Buffer.alloc(24, 7).toString('base64')}`);
  });
});

describe('sealed secrets', () => {
  const master = 'test-cookie-secret-0123456789abcdef0123456789';
  it('open only with the same COOKIE_SECRET and purpose, and never show the plaintext', () => {
    const sealed = sealSecret('whsec_rahasia', master, 'webhook-endpoint-secret');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('rahasia');
    expect(openSecret(sealed, master, 'webhook-endpoint-secret')).toBe('whsec_rahasia');
    expect(openSecret(sealed, `${master}x`, 'webhook-endpoint-secret')).toBeNull();
    expect(openSecret(sealed, master, 'license-signing-key')).toBeNull();
    // One bit of the tag flipped (writing "AA" over its end left it unchanged when its last byte was 0).
    const parts = sealed.split('.');
    const tag = Buffer.from(parts[3] ?? '', 'base64url');
    tag[tag.length - 1] = (tag.at(-1) ?? 0) ^ 1;
    const altered = [...parts.slice(0, 3), tag.toString('base64url')].join('.');
    expect(openSecret(altered, master, 'webhook-endpoint-secret')).toBeNull();
  });
});

describe('license keys as people type them', () => {
  it('any letter case maps to the stored key; a lower-case prefix is kept as configured', () => {
    expect(canonicalLicenseKey('kei-7g2k-qx9d-m4tb-0zrh', 'KEI-')).toBe('KEI-7G2K-QX9D-M4TB-0ZRH');
    expect(canonicalLicenseKey('Toko-7g2k', 'toko-')).toBe('toko-7G2K');
    expect(canonicalLicenseKey('abc-1', '')).toBe('ABC-1');
  });
});
