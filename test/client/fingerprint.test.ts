import { createHash, webcrypto } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FingerprintEnv, fingerprintComponents, sha256HexOf } from '../../src/client/fingerprint.js';
import { sha256Hex } from '../../src/client/sha256.js';
import { browserFamily, osFamily } from '../../src/shared/user-agent.js';

const nodeSha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const chrome = (version: string) =>
  `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version} Safari/537.36`;
const firefox = (version: string) =>
  `Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:${version}) Gecko/20100101 Firefox/${version}`;

const laptop = (userAgent: string, brandVersion = '131'): FingerprintEnv => ({
  userAgent,
  brands: [
    { brand: 'Not_A Brand', version: '24' },
    { brand: 'Chromium', version: brandVersion },
    { brand: 'Google Chrome', version: brandVersion },
  ],
  platform: 'Windows',
  hardwareConcurrency: 8,
  deviceMemory: 8,
  maxTouchPoints: 0,
  language: 'id-ID',
  timeZone: 'Asia/Jakarta',
  colorDepth: 24,
});

describe('the SHA-256 fallback (for pages served over plain http, where crypto.subtle is missing)', () => {
  it('gives the digests of node:crypto, ASCII and not', () => {
    const inputs = [
      '',
      'abc',
      'abcdbcdecdefdefgefghfghighijhijkijkljklmjklmnklmnolmnomnopnopq',
      'Sesi Anda berakhir — ñ, 日本語, 🚀',
      'browser=Chrome|os=Windows|cores=8|memory=8|touch=0|lang=id-id|tz=Asia/Jakarta|color=24',
      'a'.repeat(1_000_000),
    ];
    for (const input of inputs) expect(sha256Hex(input), input.slice(0, 20)).toBe(nodeSha256(input));
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'); // FIPS 180-2 B.1
  });

  it('pads correctly at every length around the 64-byte block boundary', () => {
    for (let length = 0; length <= 200; length++) {
      const input = 'x'.repeat(length);
      expect(sha256Hex(input), `length ${length}`).toBe(nodeSha256(input));
    }
  });

  it('agrees with node:crypto on arbitrary Unicode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (input) => sha256Hex(input) === nodeSha256(input)),
    );
  });

  it('gives what WebCrypto gives, and is used when WebCrypto is absent or refuses', async () => {
    const input = fingerprintComponents(laptop(chrome('131.0.0.0'))).join('|');
    const expected = nodeSha256(input);
    expect(await sha256HexOf(input, webcrypto.subtle as SubtleCrypto)).toBe(expected);
    expect(await sha256HexOf(input, undefined)).toBe(expected);
    const refusing = { digest: () => Promise.reject(new Error('NotSupportedError')) } as unknown as SubtleCrypto;
    expect(await sha256HexOf(input, refusing)).toMatch(/^[0-9a-f]{64}$/);
    expect(await sha256HexOf(input, refusing)).toBe(expected);
  });
});

describe('the stable fingerprint components', () => {
  it('do not change when the browser updates itself', () => {
    expect(fingerprintComponents(laptop(chrome('131.0.0.0'), '131'))).toEqual(
      fingerprintComponents(laptop(chrome('120.0.6099.130'), '120')),
    );
    const fx = (version: string): FingerprintEnv => ({ ...laptop(firefox(version)), brands: undefined });
    expect(fingerprintComponents(fx('115.0'))).toEqual(fingerprintComponents(fx('128.0')));
  });

  it('hold the browser family, OS family and device traits, and nothing that names a version', () => {
    const components = fingerprintComponents(laptop(chrome('131.0.6778.86')));
    expect(components).toEqual([
      'browser=Chrome',
      'os=Windows',
      'cores=8',
      'memory=8',
      'touch=0',
      'lang=id-id',
      'tz=Asia/Jakarta',
      'color=24',
    ]);
    expect(components.join('|')).not.toMatch(/131|Mozilla|537/);
  });

  it('keep every position when a property is missing (no deviceMemory outside Chromium)', () => {
    const safari: FingerprintEnv = {
      userAgent: 'Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/17.0 Safari/605.1',
    };
    expect(fingerprintComponents(safari)).toEqual([
      'browser=Safari',
      'os=macOS',
      'cores=',
      'memory=',
      'touch=0',
      'lang=',
      'tz=',
      'color=',
    ]);
  });

  it('still tell different devices apart', () => {
    const base = fingerprintComponents(laptop(chrome('131.0.0.0')));
    expect(fingerprintComponents({ ...laptop(chrome('131.0.0.0')), timeZone: 'Asia/Makassar' })).not.toEqual(base);
    expect(fingerprintComponents({ ...laptop(chrome('131.0.0.0')), hardwareConcurrency: 4 })).not.toEqual(base);
  });

  it('name the browser family from the user agent or from client-hint brands, alike', () => {
    const ua = {
      Edge: `${chrome('131.0.0.0')} Edg/131.0.2903.70`,
      Opera: `${chrome('130.0.0.0')} OPR/115.0.0.0`,
      Samsung: 'Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 SamsungBrowser/25.0 Chrome/121.0 Mobile',
      Firefox: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 FxiOS/120.0 Mobile/15E148',
      Chrome: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 CriOS/120.0 Mobile Safari',
      Safari: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Version/17.1 Safari/604.1',
    };
    for (const [family, userAgent] of Object.entries(ua)) expect(browserFamily(userAgent), family).toBe(family);
    expect(browserFamily(firefox('128.0'))).toBe('Firefox');
    const brands = (...names: string[]) => names.map((brand) => ({ brand }));
    expect(browserFamily(ua.Edge, brands('Not A(Brand', 'Microsoft Edge', 'Chromium'))).toBe('Edge');
    expect(browserFamily(ua.Opera, brands('Opera', 'Chromium'))).toBe('Opera');
    // Brave hides behind Chrome's user agent; its brands must not make it a different family.
    expect(browserFamily(chrome('131.0.0.0'), brands('Brave', 'Chromium'))).toBe('Chrome');
  });

  it('name the OS family alike from client hints and from navigator.platform', () => {
    const android = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36';
    expect(osFamily(android, 'Android')).toBe('Android');
    expect(osFamily(android, 'Linux armv8l')).toBe('Android');
    expect(osFamily(chrome('131.0.0.0'), 'Win32')).toBe('Windows');
    expect(osFamily(chrome('131.0.0.0'), 'Windows')).toBe('Windows');
    expect(osFamily(firefox('128.0'), 'MacIntel')).toBe('macOS');
    expect(osFamily('Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) Chrome/131.0', 'Chrome OS')).toBe('ChromeOS');
    expect(osFamily('Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', 'Linux x86_64')).toBe('Linux');
  });
});
