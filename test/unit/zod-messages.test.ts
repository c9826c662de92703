import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import '../../src/config/schema.js';

/** What a form or a config error shows comes from zod: every word of it Indonesian. */
describe("zod's messages", () => {
  const message = (schema: z.ZodType, input: unknown) => schema.safeParse(input).error?.issues[0]?.message ?? '';

  it('name the expected and the given type in Indonesian', () => {
    expect(message(z.object({ a: z.number() }), { a: 'x' })).toBe('Harus berupa angka, bukan teks.');
    expect(message(z.object({ a: z.string() }), {})).toBe('Wajib diisi (teks).');
    expect(message(z.boolean(), [])).toBe('Harus berupa ya/tidak, bukan daftar.');
  });

  it('keep the Indonesian locale for every other kind of issue', () => {
    expect(message(z.string().min(5), 'abc')).toBe('Minimal 5 karakter.');
    expect(message(z.number().max(10), 11)).toBe('Maksimal 10.');
    expect(message(z.number().positive(), 0)).toBe('Harus lebih dari 0.');
    for (const m of [
      message(z.number(), 'x'),
      message(z.string(), 1),
      message(z.string().min(5), 'abc'),
      message(z.email(), 'bukan-email'),
    ])
      expect(m).not.toMatch(/\b(number|string|expected|received|Invalid|boolean)\b/);
  });
});
