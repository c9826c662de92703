import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { licenseKeyPattern, newLicenseKey, newOrderNo, newTransactionNo } from '../../src/licenses/index.js';
import { randomBase32 } from '../../src/licenses/keys.js';

describe('license keys and order numbers', () => {
  it('license keys look like KEI-XXXX-XXXX-XXXX-XXXX in Crockford base32 (no I, L, O, U)', () => {
    for (let i = 0; i < 1000; i++) {
      const key = newLicenseKey('KEI-', randomBytes);
      expect(key).toMatch(licenseKeyPattern('KEI-'));
      expect(key.slice(4)).not.toMatch(/[ILOU]/);
    }
  });

  it('carry 80 random bits: 16 symbols of 5 bits each, every symbol in use', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const c of randomBase32(randomBytes, 16)) seen.add(c);
    expect(seen.size).toBe(32);
    expect(randomBase32(randomBytes, 16)).toHaveLength(16);
  });

  it('encodes the bytes it is given, bit for bit', () => {
    const ones = (n: number) => Buffer.alloc(n, 0xff);
    const zeros = (n: number) => Buffer.alloc(n, 0);
    expect(randomBase32(ones, 16)).toBe('ZZZZZZZZZZZZZZZZ');
    expect(randomBase32(zeros, 13)).toBe('0000000000000');
    // 0b00001_00010_00011_00100_00101_00110_00111_01000 = 0x08 0x86 0x42 0x98 0xe8
    expect(randomBase32(() => Buffer.from([0x08, 0x86, 0x42, 0x98, 0xe8]), 8)).toBe('12345678');
  });

  it('do not collide in 100,000 draws', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 100_000; i++) keys.add(newLicenseKey('KEI-', randomBytes));
    expect(keys.size).toBe(100_000);
  });

  it('use the configured prefix', () => {
    expect(newLicenseKey('ACME-', randomBytes)).toMatch(licenseKeyPattern('ACME-'));
    expect(newLicenseKey('', randomBytes)).toMatch(licenseKeyPattern(''));
    expect(newOrderNo('KEI-', randomBytes)).toMatch(/^KEI-[0-9A-Z]{13}$/);
    expect(newTransactionNo('KEI-', randomBytes)).toMatch(/^KEI-TRX-[0-9A-Z]{13}$/);
  });
});

describe('the pooled CSPRNG', () => {
  it('hands out fresh bytes on every draw, across pool refills', async () => {
    const { systemRuntime } = await import('../../src/clock.js');
    const draws = Array.from({ length: 2000 }, () => systemRuntime.randomBytes(10).toString('hex'));
    expect(new Set(draws).size).toBe(2000);
    expect(systemRuntime.randomBytes(10)).toHaveLength(10);
    expect(systemRuntime.randomBytes(4096)).toHaveLength(4096);
  });
});
