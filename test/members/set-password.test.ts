import { verify } from '@node-rs/argon2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS, devMailWorker } from '../helpers/world.js';

/** Cookies from a response, as a Cookie header for the next request (a browser would do this). */
function cookieHeader(res: { cookies: { name: string; value: string }[] }): string {
  return res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

describe.each(DIALECTS)('set-password link from the registration mail (%s)', (dialect) => {
  let world: World;
  let link: string;

  beforeEach(async () => {
    world = await createWorld(dialect);
    await postLynk(world.app, payment({ email: 'ani@example.com', items: [{ title: 'Daftar Member KEI' }] }));
    const worker = devMailWorker(world);
    expect(await worker.drain()).toBe(1);
    const mail = await world.database.db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow();
    const match = mail.text_body?.match(/http:\/\/127\.0\.0\.1:3000(\/akun\/atur-sandi\?token=[A-Za-z0-9_-]+)/);
    if (!match?.[1]) throw new Error(`no link in mail: ${mail.text_body}`);
    link = match[1];
  });
  afterEach(async () => {
    await world?.close();
  });

  const openForm = async () => {
    const res = await world.app.inject({ url: link });
    const csrf = res.body.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
    const token = new URL(link, 'http://x').searchParams.get('token') ?? '';
    return { res, csrf, token, cookie: cookieHeader(res) };
  };
  const submit = (form: { csrf: string; token: string; cookie: string }, password: string, confirm = password) =>
    world.app.inject({
      method: 'POST',
      url: '/akun/atur-sandi',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
      payload: new URLSearchParams({
        _csrf: form.csrf,
        token: form.token,
        password,
        password_confirm: confirm,
      }).toString(),
    });

  it('shows an Indonesian form for the member without using up the link, kept out of referrers and caches', async () => {
    const { res, csrf } = await openForm();
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Buat kata sandi');
    expect(res.body).toContain('ani@example.com');
    expect(csrf).not.toBe('');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await world.app.inject({ url: link })).statusCode).toBe(200);
  });

  it('sets an argon2id password once; the link cannot be used again', async () => {
    const form = await openForm();
    const res = await submit(form, 'kalimat rahasia panjang');
    // Setting the password signs this browser in (and ends the member's other sessions).
    expect([res.statusCode, res.headers.location]).toEqual([303, '/member?sandi=baru']);
    expect(String(res.headers['set-cookie'])).toContain('gerbang_session=');
    const member = await world.database.db.selectFrom('members').selectAll().executeTakeFirstOrThrow();
    expect(member.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verify(member.password_hash, 'kalimat rahasia panjang')).toBe(true);
    expect(member.password_set_at).toBe(world.runtime.now());

    expect((await submit(form, 'kata sandi lain sekali')).statusCode).toBe(410);
    expect((await world.app.inject({ url: link })).statusCode).toBe(410);
  });

  it('refuses a form without the CSRF token', async () => {
    const form = await openForm();
    const res = await submit({ ...form, csrf: '' }, 'kalimat rahasia panjang');
    expect(res.statusCode).toBe(403);
    const member = await world.database.db.selectFrom('members').select('password_set_at').executeTakeFirstOrThrow();
    expect(member.password_set_at).toBeNull();
  });

  it.each([
    ['too short', 'pendek', 'pendek', 'minimal 10'],
    ['not confirmed', 'kalimat rahasia panjang', 'kalimat lain panjang', 'tidak sama'],
    ['the email itself', 'ani@example.com', 'ani@example.com', 'sama dengan email'],
  ])('explains a password that is %s, and keeps the link usable', async (_name, password, confirm, message) => {
    const form = await openForm();
    const res = await submit(form, password, confirm);
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain(message);
    expect((await submit(await openForm(), 'kalimat rahasia panjang')).statusCode).toBe(303);
  });

  it('an expired link is refused', async () => {
    world.runtime.advance(72 * 3_600_000 + 1);
    expect((await world.app.inject({ url: link })).statusCode).toBe(410);
  });

  it('an unknown or malformed token is refused the same way', async () => {
    expect(
      (await world.app.inject({ url: '/akun/atur-sandi?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }))
        .statusCode,
    ).toBe(410);
    expect((await world.app.inject({ url: '/akun/atur-sandi' })).statusCode).toBe(400);
  });

  it('only a hash of the token is stored', async () => {
    const token = new URL(link, 'http://x').searchParams.get('token') ?? '';
    const rows = await world.database.db.selectFrom('one_time_tokens').selectAll().execute();
    // The registration mail carries a set-password link and a one-time login link.
    expect(rows.map((r) => r.purpose).sort()).toEqual(['login_link', 'set_password']);
    expect(JSON.stringify(rows)).not.toContain(token);
  });
});
