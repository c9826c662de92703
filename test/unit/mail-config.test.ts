import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

/** Mail and cookie settings checked at start: a mistake is a named configuration error, not a silent fallback. */
describe('mail configuration', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const load = (env: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'gerbang-mail-config-'));
    dirs.push(dir);
    return loadConfig(env, dir);
  };
  const production = {
    NODE_ENV: 'production',
    COOKIE_SECRET: 'x'.repeat(32),
    LYNK_MERCHANT_KEY: 'k'.repeat(10),
    PUBLIC_URL: 'https://toko.example.com',
  };
  const errorsOf = (env: Record<string, string>) => {
    const result = load(env);
    return result.ok ? [] : result.errors;
  };

  it('production without SMTP_URL refuses to start, naming SMTP_URL and the explicit opt-out', () => {
    const errors = errorsOf(production);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^SMTP_URL: wajib di production.*MAIL_TRANSPORT=none/);
    expect(errorsOf({ ...production, MAIL_TRANSPORT: 'dev' })[0]).toMatch(/^MAIL_TRANSPORT: "dev" hanya untuk/);
  });

  it('MAIL_TRANSPORT=none is a deliberate shop without mail; development falls back to the dev mailbox', () => {
    const none = load({ ...production, MAIL_TRANSPORT: 'none' });
    expect(none.ok && none.config.mail).toMatchObject({ transport: 'none', paused: false });
    const dev = load({ COOKIE_SECRET: 'x'.repeat(32), LYNK_MERCHANT_KEY: 'k'.repeat(10) });
    expect(dev.ok && dev.config.mail.transport).toBe('dev');
    const smtp = load({ ...production, SMTP_URL: 'smtps://toko:sandi@mail.example.com:465', MAIL_PAUSED: '1' });
    expect(smtp.ok && smtp.config.mail).toMatchObject({ transport: 'smtp', paused: true });
    expect(errorsOf({ ...production, MAIL_TRANSPORT: 'smtp' })[0]).toMatch(/^SMTP_URL: wajib bila MAIL_TRANSPORT=smtp/);
  });

  it('an SMTP password with an unescaped @ or / is a configuration error that does not repeat the password', () => {
    for (const [url, hint] of [
      ['smtps://toko:r4h@sia@mail.example.com:465', '%40'],
      ['smtps://toko:r4h/sia@mail.example.com:465', '%2F'],
      ['smtp://toko:r4h#sia@mail.example.com', '%23'],
      ['smtp://toko:100%beres@mail.example.com', '%25'],
    ] as const) {
      const errors = errorsOf({ ...production, SMTP_URL: url });
      expect(errors, url).toHaveLength(1);
      expect(errors[0]).toMatch(/^SMTP_URL: /);
      expect(errors[0]).toContain(hint);
      expect(errors[0]).not.toContain('sia');
      expect(errors[0]).not.toContain('beres');
    }
    const encoded = load({ ...production, SMTP_URL: 'smtps://toko%40example.com:r4h%40sia%2F1@mail.example.com:465' });
    expect(encoded.ok).toBe(true);
  });

  it('COOKIE_SECRET takes a comma-separated list for a rotation: the first signs, each is at least 32 characters', () => {
    const [fresh, old] = ['n'.repeat(40), 'o'.repeat(40)];
    const both = load({ COOKIE_SECRET: `${fresh}, ${old}`, LYNK_MERCHANT_KEY: 'k'.repeat(10) });
    expect(both.ok && [both.config.cookieSecret, both.config.cookieSecrets]).toEqual([fresh, [fresh, old]]);
    const short = errorsOf({ COOKIE_SECRET: `${fresh},pendek`, LYNK_MERCHANT_KEY: 'k'.repeat(10) });
    expect(short[0]).toMatch(/^COOKIE_SECRET\.1: setiap rahasia minimal 32 karakter/);
  });
});
