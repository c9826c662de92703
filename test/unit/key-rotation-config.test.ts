import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { matchSigningKey } from '../../src/webhooks/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gerbang-rotation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Explicit secrets, so no development secrets are generated. */
const BASE = {
  NODE_ENV: 'test',
  COOKIE_SECRET: 'rotation-cookie-secret-0123456789abcdef0123',
  LYNK_MERCHANT_KEY: 'lynk-new-key-0123456789',
  HESDA_SECRET_KEY: 'hesda-new-key-0123456789',
};

const errorsOf = (env: Record<string, string>) => {
  const result = loadConfig({ ...BASE, ...env }, dir);
  return result.ok ? [] : result.errors;
};

describe('key rotation settings', () => {
  it('reads both previous keys and their end instants (any zone) as epoch ms', () => {
    const result = loadConfig(
      {
        ...BASE,
        LYNK_MERCHANT_KEY_PREVIOUS: 'lynk-old-key-0123456789',
        LYNK_MERCHANT_KEY_PREVIOUS_UNTIL: '2026-12-31T17:00:00Z',
        HESDA_SECRET_KEY_PREVIOUS: 'hesda-old-key-0123456789',
        HESDA_SECRET_KEY_PREVIOUS_UNTIL: '2027-01-01T00:00:00+07:00',
      },
      dir,
    );
    if (!result.ok) throw new Error(result.errors.join('; '));
    const until = Date.UTC(2026, 11, 31, 17, 0, 0);
    expect(result.config.lynkMerchantKeyPrevious).toEqual({ key: 'lynk-old-key-0123456789', until });
    expect(result.config.ppob.secretKeyPrevious).toEqual({ key: 'hesda-old-key-0123456789', until });
  });

  it('has no previous key by default, and a previous key without an end stays until removed', () => {
    const plain = loadConfig(BASE, dir);
    if (!plain.ok) throw new Error(plain.errors.join('; '));
    expect(plain.config.lynkMerchantKeyPrevious).toBeUndefined();
    expect(plain.config.ppob.secretKeyPrevious).toBeUndefined();
    const open = loadConfig({ ...BASE, HESDA_SECRET_KEY_PREVIOUS: 'hesda-old-key-0123456789' }, dir);
    if (!open.ok) throw new Error(open.errors.join('; '));
    expect(open.config.ppob.secretKeyPrevious).toEqual({ key: 'hesda-old-key-0123456789', until: undefined });
  });

  it('refuses a previous key equal to the current one, with what to do instead', () => {
    expect(errorsOf({ LYNK_MERCHANT_KEY_PREVIOUS: BASE.LYNK_MERCHANT_KEY })).toEqual([
      'LYNK_MERCHANT_KEY_PREVIOUS: sama dengan LYNK_MERCHANT_KEY; isi LYNK_MERCHANT_KEY dengan kunci baru dan LYNK_MERCHANT_KEY_PREVIOUS dengan kunci lama',
    ]);
    expect(errorsOf({ HESDA_SECRET_KEY_PREVIOUS: BASE.HESDA_SECRET_KEY })[0]).toMatch(
      /^HESDA_SECRET_KEY_PREVIOUS: sama dengan HESDA_SECRET_KEY/,
    );
  });

  it('refuses an end instant that is not ISO 8601 with a zone', () => {
    for (const bad of ['31-12-2026', '2026-12-31T17:00:00', '2026-13-01T00:00:00Z', 'besok']) {
      expect(
        errorsOf({ LYNK_MERCHANT_KEY_PREVIOUS: 'lynk-old-key-0123456789', LYNK_MERCHANT_KEY_PREVIOUS_UNTIL: bad }),
      ).toEqual([
        'LYNK_MERCHANT_KEY_PREVIOUS_UNTIL: harus berupa waktu ISO 8601 dengan zona, mis. 2026-12-31T17:00:00Z',
      ]);
    }
  });

  it('refuses an end instant without a previous key, and a previous key without a current one', () => {
    expect(errorsOf({ HESDA_SECRET_KEY_PREVIOUS_UNTIL: '2026-12-31T17:00:00Z' })).toEqual([
      'HESDA_SECRET_KEY_PREVIOUS_UNTIL: diisi tanpa HESDA_SECRET_KEY_PREVIOUS; hapus, atau isi HESDA_SECRET_KEY_PREVIOUS dengan kunci lama',
    ]);
    const result = loadConfig(
      {
        NODE_ENV: 'test',
        COOKIE_SECRET: BASE.COOKIE_SECRET,
        LYNK_MERCHANT_KEY: BASE.LYNK_MERCHANT_KEY,
        HESDA_SECRET_KEY_PREVIOUS: 'hesda-old-key-0123456789',
      },
      dir,
    );
    expect(result.ok ? [] : result.errors).toEqual([
      'HESDA_SECRET_KEY_PREVIOUS: butuh HESDA_SECRET_KEY (kunci baru) juga; kunci lama saja tidak cukup untuk rotasi',
    ]);
  });

  it('lists every rotation problem at once', () => {
    const errors = errorsOf({
      LYNK_MERCHANT_KEY_PREVIOUS: BASE.LYNK_MERCHANT_KEY,
      HESDA_SECRET_KEY_PREVIOUS_UNTIL: '2026-12-31T17:00:00Z',
    });
    expect(errors.map((e) => e.split(':')[0])).toEqual([
      'LYNK_MERCHANT_KEY_PREVIOUS',
      'HESDA_SECRET_KEY_PREVIOUS_UNTIL',
    ]);
  });
});

describe('matchSigningKey', () => {
  const keys = { current: 'new', previous: { key: 'old', until: 1000 } };
  const sign = (key: string) => `sig-of-${key}`;
  it('names the key that matched, and the previous one only before its end', () => {
    expect(matchSigningKey(keys, 0, sign, 'sig-of-new')).toBe('current');
    expect(matchSigningKey(keys, 999, sign, ' SIG-OF-OLD ')).toBe('previous');
    expect(matchSigningKey(keys, 1000, sign, 'sig-of-old')).toBeNull();
    expect(matchSigningKey(keys, 1000, sign, 'sig-of-new')).toBe('current');
    expect(matchSigningKey(keys, 0, sign, 'sig-of-other')).toBeNull();
    expect(matchSigningKey({ current: 'new', previous: undefined }, 0, sign, 'sig-of-old')).toBeNull();
    expect(matchSigningKey({ current: 'new', previous: undefined }, 0, sign, '')).toBeNull();
  });
});
