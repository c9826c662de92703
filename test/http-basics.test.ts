import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAdmin } from './helpers/admin.js';
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
  });

  it('GET on the webhook path is 404, not a crash', async () => {
    expect((await world.app.inject({ url: '/webhook/lynk' })).statusCode).toBe(404);
  });
});
