import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every error answer goes through sendError (src/web/respond.ts), which takes the status from the
 * error table; answers written on a raw socket, without a reply (the HTTP parser's refusals, the
 * event stream's answers), go through rawErrorAnswer beside it, which renders the same body from
 * the same table. A route that builds `{error: …}` or calls errorBody on its own would drift from
 * the table: this keeps the path single.
 */
const src = resolve(import.meta.dirname, '../../src');
const ALLOWED = new Set(['errors.ts', 'web/respond.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'client' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('one error path', () => {
  it('no server module outside respond.ts builds an error body or picks an error status itself', () => {
    const offenders = sources(src).flatMap((file) => {
      const name = relative(src, file);
      if (ALLOWED.has(name)) return [];
      const text = readFileSync(file, 'utf8');
      const found: string[] = [];
      if (/\berrorBody\(/.test(text)) found.push(`${name}: errorBody(`);
      if (/send\(\{\s*error:/.test(text)) found.push(`${name}: send({ error: … })`);
      return found;
    });
    expect(offenders).toEqual([]);
  });
});
