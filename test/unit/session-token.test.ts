import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeviceToken, newDeviceToken, newSessionToken, parseSessionToken } from '../../src/auth/tokens.js';
import { sameDigest, sha256Hex } from '../../src/crypto.js';

const ID = 'A'.repeat(20);
const SECRET = 'b'.repeat(27);
const FORMAT = /^[A-Za-z0-9_-]{20}\.[A-Za-z0-9_-]{27}$/;

describe('session tokens', () => {
  it('a new token is id.secret: 120-bit id, 160-bit secret, base64url', () => {
    const token = newSessionToken(randomBytes);
    expect(token.value).toBe(`${token.id}.${token.secret}`);
    expect(token.value).toMatch(FORMAT);
    expect(Buffer.from(token.id, 'base64url')).toHaveLength(15);
    expect(Buffer.from(token.secret, 'base64url')).toHaveLength(20);
  });

  it('parses what it issues', () => {
    for (let i = 0; i < 50; i++) {
      const token = newSessionToken(randomBytes);
      expect(parseSessionToken(token.value)).toEqual({ id: token.id, secret: token.secret });
    }
  });

  it('parses the exact format, with every base64url character', () => {
    expect(parseSessionToken(`${ID}.${SECRET}`)).toEqual({ id: ID, secret: SECRET });
    expect(parseSessionToken('abcdefghijklmnopqrst.uvwxyzABCDEFGHIJKLMNOPQRSTU')).not.toBeNull();
    expect(parseSessionToken('TUVWXYZ0123456789-_a.bcdefghijklmnopqrstuvwxyz-_')).not.toBeNull();
  });

  it.each([
    ['nothing', undefined],
    ['an empty string', ''],
    ['the id alone', ID],
    ['the id and a dot', `${ID}.`],
    ['a secret alone', `.${SECRET}`],
    ['a short id', `${ID.slice(1)}.${SECRET}`],
    ['a long id', `${ID}A.${SECRET}`],
    ['a short secret', `${ID}.${SECRET.slice(1)}`],
    ['a long secret', `${ID}.${SECRET}b`],
    ['a third part', `${ID}.${SECRET}.x`],
    ['standard base64 characters', `${ID.slice(1)}+.${SECRET}`],
    ['a slash', `${ID}.${SECRET.slice(1)}/`],
    ['padding', `${ID}.${SECRET.slice(1)}=`],
    ['a leading space', ` ${ID}.${SECRET}`],
    ['a trailing newline', `${ID}.${SECRET}\n`],
    ['percent-encoding', `${ID}%2E${SECRET}`],
    ['a very long value', `${ID}.${'b'.repeat(1000)}`],
  ])('refuses %s', (_name, value) => {
    expect(parseSessionToken(value)).toBeNull();
  });

  it('accepts a string exactly when it has the format', () => {
    const alphabet = 'ABCabc012-_.+/= \n'.split('');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 60 }),
          fc
            .tuple(
              fc.string({ unit: fc.constantFrom(...alphabet), minLength: 18, maxLength: 22 }),
              fc.string({ unit: fc.constantFrom(...alphabet), minLength: 25, maxLength: 29 }),
            )
            .map(([a, b]) => `${a}.${b}`),
        ),
        (value) => {
          expect(parseSessionToken(value) !== null).toBe(FORMAT.test(value));
        },
      ),
    );
  });
});

describe('sameDigest', () => {
  const a = sha256Hex('secret one');
  const b = sha256Hex('secret two');

  it('is true for the same digest', () => {
    expect(sameDigest(a, sha256Hex('secret one'))).toBe(true);
  });

  it('is false for another digest, even one that differs only in the last byte', () => {
    expect(sameDigest(a, b)).toBe(false);
    const last = a.slice(-2) === 'ff' ? '00' : 'ff';
    expect(sameDigest(a, `${a.slice(0, -2)}${last}`)).toBe(false);
  });

  it('is false for different lengths, never throwing', () => {
    expect(sameDigest(a, a.slice(0, 62))).toBe(false);
    expect(sameDigest(a, `${a}00`)).toBe(false);
  });

  it('two empty or non-hex values never count as a match', () => {
    expect(sameDigest('', '')).toBe(false);
    expect(sameDigest('zz', 'zz')).toBe(false);
  });

  it('sha256Hex is the standard SHA-256', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('device tokens', () => {
  it('are 256 random bits in base64url, and only that is a device token', () => {
    const token = newDeviceToken(randomBytes);
    expect(isDeviceToken(token)).toBe(true);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(newDeviceToken(randomBytes)).not.toBe(token);
    for (const value of [undefined, '', token.slice(1), `${token}A`, `${token.slice(1)}+`, `${token.slice(1)}.`])
      expect(isDeviceToken(value)).toBe(false);
  });
});
