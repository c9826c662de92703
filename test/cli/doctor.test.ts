import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../helpers/gerbang-process.js';
import { closedPort, createWorkspace, jsonRows, waitFor } from '../helpers/gerbang-process.js';
import type { SmtpSink } from '../helpers/mail/smtp-sink.js';
import { startSmtpSink } from '../helpers/mail/smtp-sink.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  COOKIE_SECRET: 'doctor-cookie-secret-0123456789abcdef0123',
  LYNK_MERCHANT_KEY: 'doctor-merchant-key-0123456789',
};

/** `gerbang doctor`, the go-live check, and mail that waits: against a real server and SMTP server. */
describe('gerbang doctor', () => {
  let ws: Workspace | undefined;
  let sink: SmtpSink | undefined;
  afterEach(async () => {
    await ws?.close();
    await sink?.close();
    ws = undefined;
    sink = undefined;
  });

  it('every check ok against a running server: SMTP connected without a mail, the signed self-test stored as a test', async () => {
    ws = await createWorkspace('sqlite');
    sink = await startSmtpSink();
    const env = { SMTP_URL: sink.url, LYNK_MERCHANT_KEY: PRODUCTION.LYNK_MERCHANT_KEY };
    const server = await ws.serve(env);
    const result = await ws.run(['doctor', '--url', `${server.url}/webhook/lynk`], env);
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('ok ')).map((l) => l.slice(7).split(':')[0])).toEqual([
      'konfigurasi',
      'database',
      'email',
      'PUBLIC_URL',
      'kunci Lynk',
      'kiriman uji',
    ]);
    expect(result.stdout).toContain('Semua pemeriksaan lolos.');
    expect(sink.received).toEqual([]);
    const events = jsonRows(await ws.run(['events', 'list', '--json'], env));
    expect(events).toMatchObject([{ provider: 'lynk', outcome: 'ignored' }]);
    expect(jsonRows(await ws.run(['members', 'list', '--json'], env))).toEqual([]);
  }, 40_000);

  it('production with an http PUBLIC_URL, an SMTP server that does not answer and no server running: each said, exit 1', async () => {
    ws = await createWorkspace('sqlite');
    expect((await ws.run(['migrate', '--create'])).code).toBe(0);
    const result = await ws.run(['doctor'], {
      ...PRODUCTION,
      PUBLIC_URL: `http://127.0.0.1:${await closedPort()}`,
      SMTP_URL: `smtp://127.0.0.1:${await closedPort()}`,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ok {3} {2}database: SQLite /m);
    expect(result.stdout).toMatch(/^GAGAL {2}email: server SMTP 127\.0\.0\.1:\d+ gagal/m);
    expect(result.stdout).toMatch(/^GAGAL {2}PUBLIC_URL: .* harus https di production/m);
    expect(result.stdout).toMatch(/^GAGAL {2}kiriman uji: .* tidak menjawab/m);
    expect(result.stdout).toContain('3 pemeriksaan gagal.');
  });

  it('serve --no-mail (MAIL_PAUSED) keeps mail queued (a restored copy emails nobody); the data directory is 0700 and the database 0600', async () => {
    ws = await createWorkspace('sqlite');
    sink = await startSmtpSink();
    // `serve --no-mail` pauses one start, as MAIL_PAUSED=1 does.
    const paused = await ws.serve({ SMTP_URL: sink.url }, ['--no-mail']);
    expect(paused.output().stdout).toContain('DIJEDA');
    const sent = await ws.run([
      'lynk',
      'simulate',
      '--url',
      `${paused.url}/webhook/lynk`,
      '--product',
      'Daftar Member KEI',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sink.received).toEqual([]);
    expect(jsonRows(await ws.run(['mail', 'list', '--json']))).toMatchObject([{ status: 'pending' }]);
    expect(await paused.stop()).toBe(0);

    const resumed = await ws.serve({ SMTP_URL: sink.url, MAIL_POLL_INTERVAL_MS: '200' });
    const s = sink;
    await waitFor(async () => (s.received.length === 1 ? true : undefined), 'the queued mail once unpaused');
    await resumed.stop();
    expect(statSync(ws.dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(ws.dataDir, 'gerbang.db')).mode & 0o777).toBe(0o600);
  }, 40_000);
});
