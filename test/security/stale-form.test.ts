import { afterEach, describe, expect, it } from 'vitest';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

const OLD = 'rahasia-cookie-lama-0123456789abcdef0123';
const NEW = 'rahasia-cookie-baru-0123456789abcdef0123';

/**
 * COOKIE_SECRET signs the CSRF cookie of forms (sessions are random tokens in the database). A
 * rotation lists the new secret first and keeps the old one verifying; a form opened under a secret
 * no longer listed answers a page that reloads the form, not an error in JSON.
 */
describe('stale forms and COOKIE_SECRET rotation', () => {
  const worlds: World[] = [];
  afterEach(async () => {
    await Promise.all(worlds.splice(0).map((w) => w.close()));
  });
  const open = async (secret: string) => {
    const w = await createWorld('sqlite', { COOKIE_SECRET: secret });
    worlds.push(w);
    return w;
  };

  async function loginFormOf(w: World): Promise<{ token: string; cookie: string }> {
    const res = await w.app.inject({ url: '/login', headers: { accept: 'text/html' } });
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    const cookie = res.cookies.find((c) => c.name.endsWith('gerbang_csrf'));
    if (!token || !cookie) throw new Error('no CSRF token on /login');
    return { token, cookie: `${cookie.name}=${cookie.value}` };
  }

  const post = (w: World, form: { token: string; cookie: string }) =>
    w.app.inject({
      method: 'POST',
      url: '/login',
      headers: {
        accept: 'text/html,application/xhtml+xml',
        'content-type': 'application/x-www-form-urlencoded',
        cookie: form.cookie,
        host: 'localhost:80',
        referer: 'http://localhost:80/login?next=%2Fmember',
      },
      payload: new URLSearchParams({
        _csrf: form.token,
        email: 'ani@example.com',
        password: 'salah-sekali',
      }).toString(),
    });

  it('a form from before the rotation still posts while the old secret is listed second', async () => {
    const form = await loginFormOf(await open(OLD));
    const res = await post(await open(`${NEW},${OLD}`), form);
    expect(res.statusCode).not.toBe(403);
  });

  it('a form whose secret is gone answers a page that reloads the form (Refresh header and a link), not JSON', async () => {
    const form = await loginFormOf(await open(OLD));
    const res = await post(await open(NEW), form);
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers.refresh).toBe('3; url=/login?next=%2Fmember');
    expect(res.body).toContain('Formulir sudah kedaluwarsa');
    expect(res.body).toContain('<a href="/login?next=%2Fmember" id="reload-form">');
  });
});
