import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/schema.js';

/**
 * docs/CONFIG.md is the operator's list of every environment variable: written by hand, held to
 * the zod schema here, so a variable added to the schema without a row (or a row left behind
 * after one was removed, or a default changed on one side only) fails.
 */

const doc = readFileSync(new URL('../../docs/CONFIG.md', import.meta.url), 'utf8');
const schemaKeys = Object.keys(envSchema.shape).sort();

/** `| \`NAME\` | default | meaning |` rows of the variable tables. */
const rows = new Map(
  [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| (.*?) \| .* \|$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
);

/** How a default is written in the doc: the value as an operator would type it. */
function written(value: unknown): string {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value.join(',');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

describe('docs/CONFIG.md against the environment schema', () => {
  it('has one row for every variable of the schema', () => {
    expect(schemaKeys.filter((key) => !rows.has(key))).toEqual([]);
  });

  it('names no variable the schema lacks, in a row or anywhere in the text', () => {
    const named = new Set([...doc.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)].map((m) => m[0]));
    expect([...named].filter((name) => !schemaKeys.includes(name)).sort()).toEqual([]);
    expect([...rows.keys()].filter((name) => !schemaKeys.includes(name))).toEqual([]);
  });

  it('documents each variable once', () => {
    const rowNames = [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]);
    expect(rowNames.length).toBe(new Set(rowNames).size);
  });

  it('shows each schema default as the schema has it, and says what an unset optional variable means', () => {
    const defaults = envSchema.parse({}) as Record<string, unknown>;
    const wrong = schemaKeys.flatMap((key) => {
      const cell = rows.get(key) ?? '';
      const value = defaults[key];
      if (value === undefined) return cell.startsWith('*(') ? [] : [`${key}: optional, so "*(unset: …)*", not ${cell}`];
      if (cell === `\`${written(value)}\``) return [];
      // A variable read through a transform (TRUST_PROXY) is documented as typed: the text, read by
      // the variable's own schema, must give the schema's default.
      const text = /^`([^`]*)`$/.exec(cell)?.[1];
      const shape = envSchema.shape as Record<
        string,
        { safeParse(input: unknown): { success: boolean; data?: unknown } }
      >;
      const read = text === undefined ? undefined : shape[key]?.safeParse(text);
      if (read?.success && JSON.stringify(read.data) === JSON.stringify(value)) return [];
      return [`${key}: schema default \`${written(value)}\`, doc says ${cell}`];
    });
    expect(wrong).toEqual([]);
  });
});
