import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function load(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'gerbang-pool-'));
  dirs.push(dir);
  return loadConfig({ DATABASE_URL: 'postgres://u@db:5432/gerbang', ...env }, dir);
}

describe('DATABASE_POOL_SIZE', () => {
  it('defaults to 10 connections per instance', () => {
    const result = load({});
    expect(result.ok && result.config.databasePoolSize).toBe(10);
  });

  it('takes a size for sizing max_connections over several instances', () => {
    const result = load({ DATABASE_POOL_SIZE: '4' });
    expect(result.ok && result.config.databasePoolSize).toBe(4);
  });

  it('refuses zero, fractions and absurd sizes, naming the variable', () => {
    for (const bad of ['0', '2.5', '1000', 'banyak']) {
      const result = load({ DATABASE_POOL_SIZE: bad });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.join('\n')).toMatch(/^DATABASE_POOL_SIZE: /m);
    }
  });
});
