import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { licenseKeyPattern } from '../../src/licenses/index.js';
import type { RunningGerbang, Workspace } from '../helpers/gerbang-process.js';
import { createWorkspace, jsonRows, waitFor } from '../helpers/gerbang-process.js';
import { DIALECTS } from '../helpers/world.js';

/** The README's quick start, typed by a newcomer: serve, simulate a payment, read the mail it produced. */
describe.each(DIALECTS)('quick start with the gerbang command (%s)', (dialect) => {
  let ws: Workspace;
  let server: RunningGerbang;

  beforeAll(async () => {
    ws = await createWorkspace(dialect);
    server = await ws.serve();
  });
  afterAll(async () => {
    await ws?.close();
  });

  it('serve on a fresh DATA_DIR prints where to send webhooks and the generated dev merchant key', () => {
    const { stdout } = server.output();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
    // The webhook line must be pasteable as is, so with PORT=0 it carries the real port too.
    expect(stdout).toContain(`Webhook Lynk.id : ${server.url}/webhook/lynk`);
    expect(stdout).toContain(`Login member    : ${server.url}/login`);
    expect(stdout).toContain(`Konsol admin    : ${server.url}/admin`);
    expect(stdout).toContain(`simulate --url ${server.url}/webhook/lynk`);
    const secrets = JSON.parse(readFileSync(join(ws.dataDir, 'dev-secrets.json'), 'utf8')) as Record<string, string>;
    expect(stdout).toContain(`LYNK_MERCHANT_KEY (dev) = ${secrets.lynkMerchantKey}`);
    expect(stdout).toContain(
      dialect === 'sqlite' ? `SQLite ${join(ws.dataDir, 'gerbang.db')}` : 'PostgreSQL (DATABASE_URL)',
    );
    expect(stdout).toContain('kotak surat dev');
  });

  it('answers /healthz and /readyz with 200 while serving', async () => {
    const [health, ready] = await Promise.all([fetch(`${server.url}/healthz`), fetch(`${server.url}/readyz`)]);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'ok' });
  });

  it('a simulated payment for two licenses ends as a sent dev-mailbox mail carrying both keys', async () => {
    const simulate = await ws.run([
      'lynk',
      'simulate',
      '--url',
      `${server.url}/webhook/lynk`,
      '--email',
      'a@example.com',
      '--qty',
      '2',
    ]);
    expect(simulate.stderr).toBe('');
    expect(simulate.code).toBe(0);
    expect(simulate.stdout).toMatch(/→ 200 .*"outcome":"processed"/);

    // The server's mail worker sends it; wait for that, bounded.
    const mail = await waitFor(async () => {
      const rows = jsonRows(await ws.run(['mail', 'list', '--json']));
      return rows.find((m) => m.to === 'a@example.com' && m.status === 'sent');
    }, 'the license mail to be sent');
    expect(mail).toMatchObject({ kind: 'license', transport: 'dev', attempts: 1, last_error: null });
    expect(typeof mail.sent_at).toBe('string');

    const [licenses, events] = await Promise.all([
      ws.run(['licenses', 'list', '--json']).then(jsonRows),
      ws.run(['events', 'list', '--json']).then(jsonRows),
    ]);
    expect(licenses).toHaveLength(2);
    for (const license of licenses) {
      expect(license).toMatchObject({
        email: 'a@example.com',
        status: 'active',
        product_title: 'Produk Digital Contoh',
      });
      expect(license.license_key).toMatch(licenseKeyPattern('KEI-'));
      expect(mail.text).toContain(license.license_key);
    }
    expect(new Set(licenses.map((l) => l.license_key)).size).toBe(2);

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      provider: 'lynk',
      event_type: 'payment.received',
      outcome: 'processed',
      signature_valid: true,
      error_code: null,
      deliveries: 1,
    });
    expect(events[0]?.note).toContain('2 lisensi');
  });

  it('a simulated membership purchase mails a one-time login link that signs the member in', async () => {
    const simulate = await ws.run([
      'lynk',
      'simulate',
      '--url',
      `${server.url}/webhook/lynk`,
      '--product',
      'Daftar Member KEI',
      '--email',
      'ani@example.com',
    ]);
    expect(simulate.code).toBe(0);
    const mail = await waitFor(async () => {
      const rows = jsonRows(await ws.run(['mail', 'list', '--json']));
      return rows.find((m) => m.to === 'ani@example.com' && m.status === 'sent');
    }, 'the registration mail to be sent');
    const link = String(mail.text).match(/https?:\/\/\S+\/login\/tautan\?token=[\w-]+/)?.[0];
    if (!link) throw new Error(`no login link in: ${String(mail.text)}`);

    // What a browser does: open the link (a button, CSRF token and cookie), press it.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Masuk sebagai ani@example.com');
    const csrf = html.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
    const token = new URL(link).searchParams.get('token') ?? '';
    const cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const signIn = await fetch(`${server.url}/login/tautan`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ _csrf: csrf, token, fingerprint: '' }).toString(),
    });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/member');
    const session = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const member = await fetch(`${server.url}/member`, {
      headers: { cookie: `${cookie}; ${session}` },
      redirect: 'manual',
    });
    expect(member.status).toBe(200);
    expect(await member.text()).toContain('ani@example.com');
  });

  it('SIGTERM shuts the server down gracefully: exit code 0 and the port is released', async () => {
    const code = await server.stop(['SIGTERM']);
    expect(code).toBe(0);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
