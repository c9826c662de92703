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
    expect(c.generatedSecrets).toEqual(['COOKIE_SECRET', 'LYNK_MERCHANT_KEY', 'HESDA_SECRET_KEY']);
    expect(c.ppob).toMatchObject({ apiUrl: undefined, callbackUrl: 'http://127.0.0.1:3000/webhooks/ppob' });
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
    expect(defaults.ok && defaults.config.licenseApi).toEqual({
      windowMs: 60_000,
      maxPerIp: 600,
      maxPerKey: 60,
      corsOrigins: '*',
    });
    const set = loadConfig({ LICENSE_API_RATE_WINDOW_SECONDS: '30', LICENSE_API_MAX_PER_KEY: '5' }, tempDir());
    expect(set.ok && set.config.licenseApi).toMatchObject({ windowMs: 30_000, maxPerIp: 600, maxPerKey: 5 });
    expect(loadConfig({ LICENSE_API_MAX_PER_IP: '0' }, tempDir()).ok).toBe(false);
  });

  it('refuses to start in production without its secrets, public URL and mail server, and generates nothing', () => {
    const dir = tempDir();
    const result = loadConfig({ NODE_ENV: 'production' }, dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.split(':')[0])).toEqual([
      'SMTP_URL',
      'COOKIE_SECRET',
      'LYNK_MERCHANT_KEY',
      'PUBLIC_URL',
    ]);
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

  it('PPOB: the callback URL follows PUBLIC_URL; production requires Hesda keys only once HESDA_API_URL is set', () => {
    const base = {
      NODE_ENV: 'production',
      COOKIE_SECRET: 'x'.repeat(32),
      LYNK_MERCHANT_KEY: 'k'.repeat(10),
      SMTP_URL: 'smtps://toko:sandi@mail.example.com:465',
    };
    const without = loadConfig({ ...base, PUBLIC_URL: 'https://toko.example.com/' }, tempDir());
    if (!without.ok) throw new Error(without.errors.join());
    expect(without.config.ppob).toMatchObject({
      apiUrl: undefined,
      secretKey: undefined,
      timeoutMs: 15_000,
      apiKeyHeader: 'Authorization',
      callbackUrl: 'https://toko.example.com/webhooks/ppob',
    });
    const missing = loadConfig(
      { ...base, PUBLIC_URL: 'https://t.example', HESDA_API_URL: 'https://api.hesda.example/v1' },
      tempDir(),
    );
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.errors.map((e) => e.split(':')[0])).toEqual(['HESDA_API_KEY', 'HESDA_SECRET_KEY']);
    const full = loadConfig(
      {
        ...base,
        PUBLIC_URL: 'https://t.example',
        HESDA_API_URL: 'https://api.hesda.example/v1/',
        HESDA_API_KEY: 'api-key',
        HESDA_SECRET_KEY: 'secret-key-123',
        HESDA_TIMEOUT_SECONDS: '2.5',
      },
      tempDir(),
    );
    if (!full.ok) throw new Error(full.errors.join());
    expect(full.config.ppob).toMatchObject({ apiUrl: 'https://api.hesda.example/v1', timeoutMs: 2500 });
    const bad = loadConfig(
      { HESDA_API_URL: 'ftp://x', HESDA_TIMEOUT_SECONDS: '0', HESDA_API_KEY_HEADER: 'a b' },
      tempDir(),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors).toHaveLength(3);
  });

  it('a dev-secrets file from before PPOB keeps its keys and gains a Hesda secret', () => {
    const dir = tempDir();
    const first = loadConfig({ HESDA_SECRET_KEY: 'given-secret-1' }, dir);
    if (!first.ok) throw new Error(first.errors.join());
    const file = join(dir, 'data', 'dev-secrets.json');
    const old = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    delete old.hesdaSecretKey;
    writeFileSync(file, JSON.stringify(old));
    const second = loadConfig({}, dir);
    if (!second.ok) throw new Error(second.errors.join());
    expect(second.config.lynkMerchantKey).toBe(first.config.lynkMerchantKey);
    expect(second.config.ppob.secretKey).toMatch(/^dev-[0-9a-f]{32}$/);
    const third = loadConfig({}, dir);
    expect(third.ok && third.config.ppob.secretKey).toBe(second.config.ppob.secretKey);
  });
});
