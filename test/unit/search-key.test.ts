import { describe, expect, it } from 'vitest';
import { successor } from '../../src/db/search-key.js';
import { checkNewPassword } from '../../src/members/index.js';

describe('prefix search bounds', () => {
  it('the successor is greater than every string with the prefix and not greater than the next one', () => {
    for (const prefix of ['budi', 'a', '08123', 'wulan.sari@', 'zz', 'é']) {
      const upper = successor(prefix);
      for (const inside of [prefix, `${prefix}a`, `${prefix}\u{10FFFF}x`, `${prefix}zzzz`])
        expect(inside < upper).toBe(true);
      expect(upper > prefix).toBe(true);
    }
    expect(successor('abc')).toBe('abd');
  });

  it('skips the surrogate range and carries over U+10FFFF', () => {
    expect(successor('a\uD7FF')).toBe('a\uE000');
    expect(successor('a\u{10FFFF}')).toBe('b');
  });
});

describe('the one password rule (members and admins)', () => {
  it('accepts a long sentence and refuses the guessable', () => {
    expect(checkNewPassword('teh manis di warung pojok', 'pemilik@toko.example')).toBeNull();
    for (const weak of [
      'pendek12',
      'password123456',
      'Admin1234567!',
      'pemilik-toko-2026',
      'abababababab',
      'qwertyuiop',
      '1q2w3e4r5t6y',
      'iloveyou2026!',
    ])
      expect(checkNewPassword(weak, 'pemilik@toko.example'), weak).not.toBeNull();
  });
});
