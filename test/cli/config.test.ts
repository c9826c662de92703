import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../helpers/gerbang-process.js';
import { closedPort, createWorkspace } from '../helpers/gerbang-process.js';

describe('gerbang configuration, as the command sees it', () => {
  let ws: Workspace;
  beforeEach(async () => {
    ws = await createWorkspace();
  });
  afterEach(async () => {
    await ws?.close();
  });

  it('two bad variables at once: exit 2, both named on stderr, nothing started or written', async () => {
    const result = await ws.run(['serve'], { PORT: 'abc', LICENSE_PREFIX: 'bad prefix!' });
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('Gerbang berjalan');
    expect(result.stderr).toContain('Konfigurasi tidak valid');
    expect(result.stderr).toMatch(/^ {2}- PORT: /m);
    expect(result.stderr).toMatch(/^ {2}- LICENSE_PREFIX: hanya huruf, angka dan "-"/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(ws.dataDir)).toBe(false);
  });

  it('production without secrets or PUBLIC_URL: exit 2 naming all three, with a fix-it hint each', async () => {
    const result = await ws.run(['serve'], { NODE_ENV: 'production' });
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('Gerbang berjalan');
    expect(result.stderr).toMatch(/COOKIE_SECRET: wajib di production \(buat dengan: openssl/);
    expect(result.stderr).toMatch(/LYNK_MERCHANT_KEY: wajib di production/);
    expect(result.stderr).toMatch(/PUBLIC_URL: wajib di production/);
    // Production never falls back to generated development secrets.
    expect(existsSync(join(ws.dataDir, 'dev-secrets.json'))).toBe(false);
  });

  it('TRUST_PROXY=true (trust every hop) is refused at start, with what to write instead', async () => {
    const result = await ws.run(['serve'], { TRUST_PROXY: 'true' });
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('Gerbang berjalan');
    expect(result.stderr).toMatch(/^ {2}- TRUST_PROXY: "true" tidak dipakai lagi: klien bisa memalsukan IP/m);
    expect(result.stderr).toContain('TRUST_PROXY=1 untuk satu nginx');
    const fixed = await ws.serve({ TRUST_PROXY: '127.0.0.1' });
    expect(await fixed.stop()).toBe(0);
  });

  it('dev secrets are generated once (mode 0600) and the same merchant key is printed on the next start', async () => {
    const keyIn = (stdout: string) => /LYNK_MERCHANT_KEY \(dev\) = (\S+)/.exec(stdout)?.[1];
    const first = await ws.serve({ NODE_ENV: 'development' });
    const firstKey = keyIn(first.output().stdout);
    expect(firstKey).toMatch(/^dev-[0-9a-f]{32}$/);
    expect(await first.stop(['SIGTERM'])).toBe(0);

    const file = join(ws.dataDir, 'dev-secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { lynkMerchantKey: string; cookieSecret: string };
    expect(stored.lynkMerchantKey).toBe(firstKey);

    const second = await ws.serve({ NODE_ENV: 'development' });
    expect(keyIn(second.output().stdout)).toBe(firstKey);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(stored);
    // Ctrl-C under `npm start` delivers SIGINT twice (terminal and npm): still a clean stop.
    expect(await second.stop(['SIGINT', 'SIGINT'])).toBe(0);
  });

  it('a merchant key set in the environment is used and not printed as a generated one', async () => {
    const server = await ws.serve({ LYNK_MERCHANT_KEY: 'merchant-key-from-env-123' });
    const { stdout } = server.output();
    expect(stdout).not.toContain('LYNK_MERCHANT_KEY (dev)');
    expect(stdout).not.toContain('merchant-key-from-env-123');
    expect(await server.stop()).toBe(0);
  });

  it('.env in the working directory is read, and a real environment variable overrides it', async () => {
    const [fromFile, fromEnv] = [await closedPort(), await closedPort()];
    writeFileSync(
      join(ws.dir, '.env'),
      `# written by the operator\nDATA_DIR=./from-dotenv\nPUBLIC_URL=http://127.0.0.1:${fromFile}\n`,
    );
    // `lynk simulate` without --url posts to PUBLIC_URL: its error message shows which one won.
    const [dotenvOnly, overridden] = await Promise.all([
      ws.run(['lynk', 'simulate'], { DATA_DIR: undefined }),
      ws.run(['lynk', 'simulate'], { PUBLIC_URL: `http://127.0.0.1:${fromEnv}` }),
    ]);
    expect(dotenvOnly.code).toBe(1);
    expect(dotenvOnly.stderr).toContain(`Tidak bisa menghubungi http://127.0.0.1:${fromFile}/webhook/lynk`);
    expect(existsSync(join(ws.dir, 'from-dotenv', 'dev-secrets.json'))).toBe(true);

    expect(overridden.code).toBe(1);
    expect(overridden.stderr).toContain(`Tidak bisa menghubungi http://127.0.0.1:${fromEnv}/webhook/lynk`);
    expect(existsSync(join(ws.dataDir, 'dev-secrets.json'))).toBe(true);
  });

  it('a bad variable in .env is reported like one in the environment', async () => {
    writeFileSync(join(ws.dir, '.env'), 'SMTP_URL=http://mail.example.com\n');
    const result = await ws.run(['migrate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SMTP_URL: harus berupa URL smtp:\/\//);
  });
});
