import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAdmin } from './helpers/admin.js';
import { visibleText } from './helpers/visible-text.js';
import type { World } from './helpers/world.js';
import { createWorld } from './helpers/world.js';

describe('HTTP basics', () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld('sqlite');
    // Set up, as a running shop is: without an admin, `/` leads to the first-run page (test/admin/setup.test.ts).
    await addAdmin(world);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('/healthz and /readyz answer when the database is there', async () => {
    expect((await world.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await world.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', database: 'ok' });
  });

  it('every response carries a request id and security headers', async () => {
    const res = await world.app.inject({ url: '/', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
  });

  it('a request id that is not plain text is replaced', async () => {
    const res = await world.app.inject({ url: '/healthz', headers: { 'x-request-id': 'a b<script>'.repeat(10) } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the home page shows the store to buyers, not the webhook URL meant for the seller', async () => {
    const res = await world.app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('href="/login"');
    expect(res.body).not.toContain('/webhook/lynk');
  });

  it('unknown routes get a short JSON error, or an Indonesian page for browsers', async () => {
    const api = await world.app.inject({ url: '/tidak-ada' });
    expect(api.statusCode).toBe(404);
    expect(api.json().error).toMatchObject({ code: 'NOT_FOUND' });
    const page = await world.app.inject({ url: '/tidak-ada', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Tidak ditemukan');
    // The code is for support, in the markup; the screen shows Indonesian and the reference number.
    const requestId = page.headers['x-request-id'];
    expect(page.body).toContain(`data-code="NOT_FOUND">Nomor rujukan: ${requestId}</p>`);
    expect(visibleText(page.body)).not.toMatch(/NOT_FOUND|Kode/);
    expect(page.body).toContain('<a href="/" id="error-back">Kembali</a>');
  });

  it('"Kembali" on a refused form goes back to the form it came from, only on this site', async () => {
    const from = (referer: string) =>
      world.app.inject({
        method: 'POST',
        url: '/tidak-ada',
        headers: { accept: 'text/html', host: 'toko.example', referer },
        payload: {},
      });
    expect((await from('http://toko.example/admin/token?x=1')).body).toContain(
      '<a href="/admin/token?x=1" id="error-back">Kembali</a>',
    );
    expect((await from('https://penipu.example/admin/token')).body).toContain(
      '<a href="/" id="error-back">Kembali</a>',
    );
    expect((await from('not a url')).body).toContain('<a href="/" id="error-back">Kembali</a>');
  });

  it('GET on the webhook path is 404, not a crash', async () => {
    expect((await world.app.inject({ url: '/webhook/lynk' })).statusCode).toBe(404);
  });
});
