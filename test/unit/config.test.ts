import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, readEnvironment } from '../../src/config/index.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gerbang-config-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('configuration', () => {
  it('has working defaults for a newcomer, with dev secrets generated once under DATA_DIR', () => {
    const dir = tempDir();
    const first = loadConfig({}, dir);
    if (!first.ok) throw new Error(first.errors.join());
    const c = first.config;
    expect(c).toMatchObject({ env: 'development', host: '127.0.0.1', port: 3000, publicUrl: 'http://127.0.0.1:3000' });
    expect(c.dataDir).toBe(join(dir, 'data'));
    expect(c.database).toEqual({ kind: 'sqlite', file: join(dir, 'data', 'gerbang.db'), synchronous: 'FULL' });
    expect(c.products.memberTitles).toEqual(['Daftar Member KEI']);
    expect(c.initialPasswordPolicy).toBe('random');
    expect(c.licensePrefix).toBe('KEI-');
    expect(c.generatedSecrets).toEqual(['COOKIE_SECRET', 'LYNK_MERCHANT_KEY']);
    const file = join(dir, 'data', 'dev-secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadConfig({}, dir);
    expect(second.ok && second.config.lynkMerchantKey).toBe(c.lynkMerchantKey);
    expect(Object.isFrozen(c) && Object.isFrozen(c.mail)).toBe(true);
  });

  it('lists every bad variable at once, one line each', () => {
    const result = loadConfig(
      { PORT: 'abc', LICENSE_PREFIX: 'bad prefix!', SMTP_URL: 'http://x', PRODUCT_RULES: '{' },
      tempDir(),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(4);
    expect(result.errors.map((e) => e.split(':')[0]).sort()).toEqual([
      'LICENSE_PREFIX',
      'PORT',
      'PRODUCT_RULES',
      'SMTP_URL',
    ]);
  });

  it('explains product rules that do not fit', () => {
    const result = loadConfig({ PRODUCT_RULES: '[{"action":"license"}]' }, tempDir());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatch(/^PRODUCT_RULES: .*uuid.*title/);
  });

  it('a product rule takes an overflow policy: refuse by default, takeover, nothing else', () => {
    const rules = (rule: object) => loadConfig({ PRODUCT_RULES: JSON.stringify([rule]) }, tempDir());
    const plain = rules({ title: 'A', action: 'license' });
    expect(plain.ok && plain.config.products.rules[0]?.onLimit).toBe('refuse');
    const takeover = rules({ title: 'A', action: 'license', onLimit: 'takeover' });
    expect(takeover.ok && takeover.config.products.rules[0]?.onLimit).toBe('takeover');
    const wrong = rules({ title: 'A', action: 'license', onLimit: 'steal' });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.errors[0]).toMatch(/^PRODUCT_RULES: .*onLimit/);
  });

  it('license API limits come from LICENSE_API_* (seconds to ms), with defaults', () => {
    const defaults = loadConfig({}, tempDir());
    expect(defaults.ok && defaults.config.licenseApi).toEqual({ windowMs: 60_000, maxPerIp: 600, maxPerKey: 60 });
    const set = loadConfig({ LICENSE_API_RATE_WINDOW_SECONDS: '30', LICENSE_API_MAX_PER_KEY: '5' }, tempDir());
    expect(set.ok && set.config.licenseApi).toEqual({ windowMs: 30_000, maxPerIp: 600, maxPerKey: 5 });
    expect(loadConfig({ LICENSE_API_MAX_PER_IP: '0' }, tempDir()).ok).toBe(false);
  });

  it('refuses to start in production without its secrets and public URL, and generates nothing', () => {
    const dir = tempDir();
    const result = loadConfig({ NODE_ENV: 'production' }, dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.split(':')[0])).toEqual(['COOKIE_SECRET', 'LYNK_MERCHANT_KEY', 'PUBLIC_URL']);
    expect(existsSync(join(dir, 'data', 'dev-secrets.json'))).toBe(false);
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const result = loadConfig(
      {
        DATABASE_URL: 'postgres://u@db:5432/gerbang',
        COOKIE_SECRET: 'x'.repeat(32),
        LYNK_MERCHANT_KEY: 'k'.repeat(10),
      },
      tempDir(),
    );
    expect(result.ok && result.config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/gerbang' });
    expect(result.ok && result.config.generatedSecrets).toEqual([]);
  });

  it('reads .env beneath the real environment; an empty variable counts as unset', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), 'PORT=4000\nHOST=0.0.0.0\nLICENSE_PREFIX=ACME-\n');
    const env = readEnvironment(dir, { PORT: '5000', LICENSE_PREFIX: '' });
    expect(env.PORT).toBe('5000');
    expect(env.HOST).toBe('0.0.0.0');
    expect(env.LICENSE_PREFIX).toBeUndefined();
    expect(readFileSync(join(dir, '.env'), 'utf8')).toContain('PORT=4000');
  });
});
