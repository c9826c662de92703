import { verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto.js';
import { addMember, cookieNames, location, PASSWORD, TestDevice } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const EMAIL = 'ani@example.com';

describe.each(DIALECTS)('password login (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect);
  const open = async (env: Record<string, string> = {}) => (world = await openWorld(env));
  const db = () => world.database.db;
  const sessions = () => db().selectFrom('sessions').selectAll().orderBy('created_at').execute();

  describe('success', () => {
    it('sets HttpOnly SameSite=Lax session and device cookies and redirects to /member', async () => {
      await open();
      await addMember(world, EMAIL);
      const browser = new TestDevice(world.app);
      const res = await browser.login(EMAIL, PASSWORD);
      expect(res.statusCode).toBe(303);
      expect(location(res)).toBe('/member');
      const names = cookieNames(world);
      expect(names).toMatchObject({ session: 'gerbang_session', device: 'gerbang_device', secure: false });
      for (const name of [names.session, names.device]) {
        const cookie = res.cookies.find((c) => c.name === name);
        expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
        expect(cookie?.secure).toBeFalsy();
      }
      const member = await browser.get('/member');
      expect(member.statusCode).toBe(200);
      expect(member.body).toContain(EMAIL);
    });

    it('on https the cookies are Secure and carry the __Host- prefix', async () => {
      await open({ PUBLIC_URL: 'https://toko.example.com' });
      await addMember(world, EMAIL);
      const browser = new TestDevice(world.app);
      const res = await browser.login(EMAIL, PASSWORD);
      expect(res.statusCode).toBe(303);
      for (const name of ['__Host-gerbang_session', '__Host-gerbang_device']) {
        const cookie = res.cookies.find((c) => c.name === name);
        expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true, path: '/' });
        // __Host- cookies must be host-only: no Domain attribute.
        expect(cookie?.domain).toBeUndefined();
      }
      expect(res.cookies.some((c) => c.name === 'gerbang_session')).toBe(false);
      expect((await browser.get('/api/session')).statusCode).toBe(200);
      // The CSRF secret too: a sibling subdomain must not be able to toss in one it knows.
      const page = await new TestDevice(world.app).get('/login');
      const csrf = page.cookies.find((c) => c.name.endsWith('gerbang_csrf'));
      expect(csrf).toMatchObject({
        name: '__Host-gerbang_csrf',
        httpOnly: true,
        sameSite: 'Lax',
        secure: true,
        path: '/',
      });
      expect(csrf?.domain).toBeUndefined();
    });

    it('stores only the SHA-256 of the session secret and of the device token, never the cookie values', async () => {
      await open();
      await addMember(world, EMAIL);
      const browser = new TestDevice(world.app);
      await browser.login(EMAIL, PASSWORD);
      const names = cookieNames(world);
      const value = browser.cookies.get(names.session) ?? '';
      const [id, secret] = value.split('.');
      expect(id).toBeTruthy();
      expect(secret).toBeTruthy();
      const rows = await sessions();
      expect(rows).toHaveLength(1);
      expect(rows[0]?.id).toBe(id);
      expect(rows[0]?.secret_hash).toBe(sha256Hex(secret ?? ''));
      expect(JSON.stringify(rows)).not.toContain(secret);

      const deviceToken = browser.cookies.get(names.device) ?? '';
      const devices = await db().selectFrom('devices').selectAll().execute();
      expect(devices).toHaveLength(1);
      expect(devices[0]?.token_hash).toBe(sha256Hex(deviceToken));
      expect(JSON.stringify(devices)).not.toContain(deviceToken);
    });

    it('answers JSON to a client that asks for it', async () => {
      await open();
      await addMember(world, EMAIL);
      const browser = new TestDevice(world.app);
      const ok = await browser.post(
        '/login',
        { email: EMAIL, password: PASSWORD, fingerprint: browser.fingerprint },
        { accept: 'application/json' },
      );
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ status: 'signed_in', redirect: '/member' });
      expect(browser.cookies.has(cookieNames(world).session)).toBe(true);

      const bad = await new TestDevice(world.app).post(
        '/login',
        { email: EMAIL, password: 'salah sekali' },
        { accept: 'application/json' },
      );
      expect(bad.statusCode).toBe(401);
      expect(bad.json().error).toMatchObject({ code: 'INVALID_CREDENTIALS', message: 'Email atau kata sandi salah.' });
      expect(bad.json().error.requestId).toBeTruthy();
    });

    it('the email is matched without regard to case or surrounding spaces', async () => {
      await open();
      await addMember(world, EMAIL);
      const res = await new TestDevice(world.app).login('  Ani@Example.COM ', PASSWORD);
      expect(res.statusCode).toBe(303);
    });
  });

  describe('refusals', () => {
    it('a wrong password and an unknown email get the same 401 page', async () => {
      await open();
      await addMember(world, EMAIL);
      // Same length as EMAIL, so the echoed address does not change the page's length.
      const unknownEmail = 'ina@example.com';
      const wrong = await new TestDevice(world.app).login(EMAIL, 'bukan kata sandinya');
      const unknown = await new TestDevice(world.app).login(unknownEmail, PASSWORD);
      for (const res of [wrong, unknown]) {
        expect(res.statusCode).toBe(401);
        expect(res.body).toContain('Email atau kata sandi salah.');
        expect(res.cookies.map((c) => c.name)).not.toContain(cookieNames(world).session);
      }
      const normalise = (body: string, email: string) =>
        body.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf"').replace(email, 'EMAIL');
      expect(normalise(wrong.body, EMAIL)).toBe(normalise(unknown.body, unknownEmail));
      expect(await sessions()).toHaveLength(0);
    });

    it('a POST without the CSRF token is refused with 403 and logs nobody in', async () => {
      await open();
      await addMember(world, EMAIL);
      const browser = new TestDevice(world.app);
      const res = await browser.post('/login', { email: EMAIL, password: PASSWORD }, { csrf: null });
      expect(res.statusCode).toBe(403);
      const forged = await browser.post('/login', { email: EMAIL, password: PASSWORD }, { csrf: 'forged-token' });
      expect(forged.statusCode).toBe(403);
      expect(await sessions()).toHaveLength(0);
    });

    it.each([
      ['no password', { email: EMAIL }],
      ['no email', { password: PASSWORD }],
      ['an email too short', { email: 'a', password: PASSWORD }],
      ['a fingerprint that is not a SHA-256', { email: EMAIL, password: PASSWORD, fingerprint: 'abc' }],
    ])('%s → 400', async (_name, form) => {
      await open();
      await addMember(world, EMAIL);
      const res = await new TestDevice(world.app).post('/login', form as Record<string, string>);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('Isi email dan kata sandi dengan benar.');
      expect(await sessions()).toHaveLength(0);
    });

    it('a disabled member is refused even with the right password', async () => {
      await open();
      await addMember(world, EMAIL, { status: 'disabled' });
      const res = await new TestDevice(world.app).login(EMAIL, PASSWORD);
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('dinonaktifkan');
      expect(await sessions()).toHaveLength(0);
    });

    it('credentials in the /login URL (the old ?username=&password=) log nobody in', async () => {
      await open();
      await addMember(world, EMAIL);
      const browser = new TestDevice(world.app);
      const res = await browser.get(
        `/login?username=${encodeURIComponent(EMAIL)}&password=${encodeURIComponent(PASSWORD)}`,
      );
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('id="formLogin"');
      expect(browser.cookies.has(cookieNames(world).session)).toBe(false);
      expect(await sessions()).toHaveLength(0);
      expect((await browser.get('/member')).statusCode).toBe(303);
    });
  });

  describe('legacy passwords', () => {
    it('a PHP $2y$ bcrypt hash logs in and is replaced by argon2id', async () => {
      await open();
      const legacy = bcrypt.hashSync(PASSWORD, 4).replace(/^\$2[ab]\$/, '$2y$');
      expect(legacy).toMatch(/^\$2y\$04\$/);
      const memberId = await addMember(world, EMAIL, { passwordHash: legacy });
      expect((await new TestDevice(world.app).login(EMAIL, 'salah sekali')).statusCode).toBe(401);
      const stillLegacy = await db()
        .selectFrom('members')
        .select('password_hash')
        .where('id', '=', memberId)
        .executeTakeFirstOrThrow();
      expect(stillLegacy.password_hash).toBe(legacy);

      const browser = new TestDevice(world.app);
      expect((await browser.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      const member = await db().selectFrom('members').selectAll().where('id', '=', memberId).executeTakeFirstOrThrow();
      expect(member.password_hash).toMatch(/^\$argon2id\$/);
      expect(await verify(member.password_hash, PASSWORD)).toBe(true);
      // The new hash works on the next login.
      expect((await browser.login(EMAIL, PASSWORD)).statusCode).toBe(303);
    });
  });

  describe('sessions', () => {
    it('logging in again on the same device rotates the session: new id, the old cookie is refused', async () => {
      await open();
      await addMember(world, EMAIL);
      const browser = new TestDevice(world.app);
      await browser.login(EMAIL, PASSWORD);
      const names = cookieNames(world);
      const before = browser.cookies.get(names.session) ?? '';
      const device = browser.cookies.get(names.device) ?? '';

      expect((await browser.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      const after = browser.cookies.get(names.session) ?? '';
      expect(after.split('.')[0]).not.toBe(before.split('.')[0]);
      expect(browser.cookies.get(names.device)).toBe(device);
      expect((await browser.get('/api/session')).statusCode).toBe(200);

      const old = await world.app.inject({
        url: '/api/session',
        headers: { cookie: `${names.session}=${before}; ${names.device}=${device}` },
      });
      expect(old.statusCode).toBe(401);
      const rows = await sessions();
      expect(rows.map((r) => r.revoked_reason)).toEqual(['rotated', null]);
    });

    it('GET /login with a live session goes straight to /member', async () => {
      await open();
      await addMember(world, EMAIL);
      const browser = new TestDevice(world.app);
      expect((await browser.get('/login')).statusCode).toBe(200);
      await browser.login(EMAIL, PASSWORD);
      const res = await browser.get('/login');
      expect(res.statusCode).toBe(303);
      expect(location(res)).toBe('/member');
    });

    it('?alasan= shows the matching notice, and nothing at all for any other value', async () => {
      await open();
      const browser = new TestDevice(world.app);
      const known = await browser.get('/login?alasan=keluar');
      expect(known.body).toContain('Anda telah keluar dari akun ini.');
      // Names every plain object inherits must not count as known reasons.
      for (const reason of ['tidak-ada', '<script>', '__proto__', 'constructor', 'toString']) {
        const res = await browser.get(`/login?alasan=${encodeURIComponent(reason)}`);
        expect(res.statusCode).toBe(200);
        expect(res.body, `alasan=${reason}`).not.toContain('id="login-message"');
      }
    });

    it('/api/session tells the page who is signed in, never cached', async () => {
      await open();
      await addMember(world, EMAIL, { name: 'Ani' });
      const browser = new TestDevice(world.app);
      await browser.login(EMAIL, PASSWORD);
      const res = await browser.get('/api/session');
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json()).toMatchObject({ member: { email: EMAIL, name: 'Ani' } });
      expect(res.json().expiresAt).toBeGreaterThan(world.runtime.now());
    });
  });
});
