import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  addMember,
  cookieNames,
  location,
  PASSWORD,
  TestDevice,
  takeoverToken,
  USER_AGENTS,
  unrevokedSessions,
} from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const EMAIL = 'ani@example.com';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe.each(DIALECTS)('one device per member (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect, (w) => addMember(w, EMAIL));
  const open = async (env: Record<string, string> = {}) => (world = await openWorld(env));

  /** A on Firefox/Linux, B on Chrome/Windows: two browsers of the same member. */
  const browsers = () => ({
    a: new TestDevice(world.app, { userAgent: USER_AGENTS.firefoxLinux, ip: '10.0.0.1' }),
    b: new TestDevice(world.app, { userAgent: USER_AGENTS.chromeWindows, ip: '10.0.0.2' }),
  });
  const signedIn = async (device: TestDevice) => (await device.get('/api/session')).statusCode === 200;

  describe('the conflict dialog', () => {
    it('a second device gets 409 with the old modal texts and the other device named, and is not signed in', async () => {
      await open();
      const { a, b } = browsers();
      expect((await a.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      const res = await b.login(EMAIL, PASSWORD);
      expect(res.statusCode).toBe(409);
      for (const text of [
        'Konflik Sesi Terdeteksi',
        'Website ini',
        'sedang aktif di tab atau perangkat lain',
        'Beberapa sesi aktif tidak diizinkan karena alasan keamanan.',
        'Tetap gunakan di sini',
        'Gunakan di perangkat lain',
      ]) {
        expect(res.body).toContain(text);
      }
      expect(res.body).toContain('127.0.0.1:3000');
      expect(res.body).toContain('Firefox 128');
      expect(res.body).toContain('Linux');
      expect(res.body).not.toContain('Chrome 131');
      expect(res.body).not.toContain(PASSWORD);
      expect(b.cookies.has(cookieNames(world).session)).toBe(false);
      expect(await signedIn(b)).toBe(false);
      expect(await signedIn(a)).toBe(true);
    });

    it('two devices logging in at the same moment cannot both slip under the limit', async () => {
      await open();
      const { a, b } = browsers();
      const answers = await Promise.all([a.login(EMAIL, PASSWORD), b.login(EMAIL, PASSWORD)]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([303, 409]);
      expect(await unrevokedSessions(world)).toBe(1);
    });

    it('answers JSON with the conflicting devices to a client that asks for it', async () => {
      await open();
      const { a, b } = browsers();
      await a.login(EMAIL, PASSWORD);
      const res = await b.post(
        '/login',
        { email: EMAIL, password: PASSWORD, fingerprint: b.fingerprint },
        { accept: 'application/json' },
      );
      expect(res.statusCode).toBe(409);
      const body = res.json();
      expect(body.error.code).toBe('SESSION_CONFLICT');
      expect(body.devices).toEqual([{ browser: 'Firefox 128', os: 'Linux', lastSeenAt: world.runtime.now() }]);
      expect(body.takeoverToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('"Tetap gunakan di sini" signs B in and ends A: pages redirect with alasan=takeover, the API answers 401', async () => {
      await open();
      const { a, b } = browsers();
      await a.login(EMAIL, PASSWORD);
      const conflict = await b.login(EMAIL, PASSWORD);
      const keep = await b.post('/login/ambil-alih', {
        token: takeoverToken(conflict.body),
        fingerprint: b.fingerprint,
      });
      expect(keep.statusCode).toBe(303);
      expect(location(keep)).toBe('/member');
      expect((await b.get('/member')).statusCode).toBe(200);

      const page = await a.get('/member');
      expect(page.statusCode).toBe(303);
      expect(location(page)).toBe('/login?alasan=takeover');
      const api = await a.get('/api/session');
      expect(api.statusCode).toBe(401);
      expect(api.json().error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'takeover' });
      const notice = await a.get('/login?alasan=takeover');
      expect(notice.body).toContain('Sesi Anda berakhir karena akun ini digunakan di perangkat lain');
    });

    it('"Gunakan di perangkat lain" leaves A signed in, B out, and burns the confirmation', async () => {
      await open();
      const { a, b } = browsers();
      await a.login(EMAIL, PASSWORD);
      const token = takeoverToken((await b.login(EMAIL, PASSWORD)).body);
      const cancel = await b.post('/login/batal', { token, fingerprint: b.fingerprint });
      expect(cancel.statusCode).toBe(303);
      expect(location(cancel)).toBe('/login?alasan=batal');
      expect(await signedIn(b)).toBe(false);
      expect(await signedIn(a)).toBe(true);
      expect((await b.post('/login/ambil-alih', { token, fingerprint: b.fingerprint })).statusCode).toBe(410);
      expect(await signedIn(a)).toBe(true);
    });
  });

  describe('the takeover confirmation', () => {
    it('works once only', async () => {
      await open();
      const { a, b } = browsers();
      await a.login(EMAIL, PASSWORD);
      const token = takeoverToken((await b.login(EMAIL, PASSWORD)).body);
      expect((await b.post('/login/ambil-alih', { token, fingerprint: b.fingerprint })).statusCode).toBe(303);
      // A signs back in (taking over), then B's old confirmation must not bounce A out again.
      expect((await a.loginKeepingHere(EMAIL, PASSWORD)).statusCode).toBe(303);
      const again = await b.post('/login/ambil-alih', { token, fingerprint: b.fingerprint });
      expect(again.statusCode).toBe(410);
      expect(again.body).toContain('Konfirmasi sudah tidak berlaku');
      expect(await signedIn(a)).toBe(true);
      expect(await signedIn(b)).toBe(false);
    });

    it('cannot be used by another browser, with its own device cookie or with none', async () => {
      await open();
      const { a, b } = browsers();
      await a.login(EMAIL, PASSWORD);
      const token = takeoverToken((await b.login(EMAIL, PASSWORD)).body);

      const stranger = new TestDevice(world.app, { userAgent: USER_AGENTS.safariIphone });
      expect((await stranger.post('/login/ambil-alih', { token, fingerprint: stranger.fingerprint })).statusCode).toBe(
        410,
      );
      // A browser with its own device cookie (it saw its own conflict) cannot use B's confirmation either.
      const other = new TestDevice(world.app, { userAgent: USER_AGENTS.chromeAndroid });
      expect((await other.login(EMAIL, PASSWORD)).statusCode).toBe(409);
      expect(other.cookies.has(cookieNames(world).device)).toBe(true);
      expect((await other.post('/login/ambil-alih', { token, fingerprint: other.fingerprint })).statusCode).toBe(410);

      expect(await signedIn(a)).toBe(true);
      expect(await signedIn(stranger)).toBe(false);
      expect(await signedIn(other)).toBe(false);
    });

    it('expires after 5 minutes', async () => {
      await open();
      const { a, b } = browsers();
      await a.login(EMAIL, PASSWORD);
      const token = takeoverToken((await b.login(EMAIL, PASSWORD)).body);
      world.runtime.advance(5 * MINUTE + 1);
      expect((await b.post('/login/ambil-alih', { token, fingerprint: b.fingerprint })).statusCode).toBe(410);
      expect(await signedIn(a)).toBe(true);
      expect(await signedIn(b)).toBe(false);
    });

    it('is still good just before 5 minutes', async () => {
      await open();
      const { a, b } = browsers();
      await a.login(EMAIL, PASSWORD);
      const token = takeoverToken((await b.login(EMAIL, PASSWORD)).body);
      world.runtime.advance(5 * MINUTE - 1000);
      expect((await b.post('/login/ambil-alih', { token, fingerprint: b.fingerprint })).statusCode).toBe(303);
      expect(await signedIn(b)).toBe(true);
    });
  });

  describe('what is not a conflict', () => {
    it('after A logs out, B logs in without a dialog', async () => {
      await open();
      const { a, b } = browsers();
      await a.login(EMAIL, PASSWORD);
      const out = await a.post('/auth/logout', {});
      expect(out.statusCode).toBe(303);
      expect(location(out)).toBe('/login?alasan=keluar');
      expect(await signedIn(a)).toBe(false);
      expect((await b.login(EMAIL, PASSWORD)).statusCode).toBe(303);
    });

    it('the same browser logging in twice, or from several tabs (same cookies), never conflicts', async () => {
      await open();
      const { a } = browsers();
      expect((await a.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      expect((await a.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      // Tabs share the browser's cookies: their requests run side by side on one session.
      const tabs = await Promise.all([a.get('/member'), a.get('/member/lisensi'), a.get('/api/session')]);
      expect(tabs.map((t) => t.statusCode)).toEqual([200, 200, 200]);
      expect((await a.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      expect(await unrevokedSessions(world)).toBe(1);
    });

    it('another member on another browser is no conflict', async () => {
      await open();
      await addMember(world, 'budi@example.com');
      const { a, b } = browsers();
      expect((await a.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      expect((await b.login('budi@example.com', PASSWORD)).statusCode).toBe(303);
      expect(await signedIn(a)).toBe(true);
    });
  });

  describe('device identity', () => {
    it('a device cookie replayed from a browser with another fingerprint counts as another device', async () => {
      await open();
      const { a } = browsers();
      await a.login(EMAIL, PASSWORD);
      const names = cookieNames(world);
      const copied = new TestDevice(world.app, {
        userAgent: USER_AGENTS.firefoxLinux,
        fingerprint: randomBytes(32).toString('hex'),
      });
      for (const [name, value] of a.cookies) copied.cookies.set(name, value);
      const original = a.cookies.get(names.device);

      const res = await copied.login(EMAIL, PASSWORD);
      expect(res.statusCode).toBe(409);
      // It is given a device token of its own.
      expect(copied.cookies.get(names.device)).not.toBe(original);
      expect(await world.database.db.selectFrom('devices').select('id').execute()).toHaveLength(2);
      expect(await signedIn(a)).toBe(true);
    });

    it('the same device cookie with the same fingerprint is the same device, once no other browser holds it', async () => {
      await open();
      const { a } = browsers();
      await a.login(EMAIL, PASSWORD);
      await a.post('/auth/logout', {});
      const sameBrowser = new TestDevice(world.app, {
        userAgent: USER_AGENTS.firefoxLinux,
        fingerprint: a.fingerprint,
      });
      sameBrowser.cookies.set(cookieNames(world).device, a.cookies.get(cookieNames(world).device) ?? '');
      expect((await sameBrowser.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      expect(await world.database.db.selectFrom('devices').select('id').execute()).toHaveLength(1);
    });
  });

  describe('MAX_DEVICES_PER_MEMBER=2', () => {
    it('allows two devices; the third conflicts, and keeping it ends only the least recently seen', async () => {
      await open({ MAX_DEVICES_PER_MEMBER: '2' });
      const { a, b } = browsers();
      const c = new TestDevice(world.app, { userAgent: USER_AGENTS.safariIphone, ip: '10.0.0.3' });
      expect((await a.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      world.runtime.advance(2 * MINUTE);
      expect((await b.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      world.runtime.advance(2 * MINUTE);
      // A is used again, so now B is the one least recently seen.
      expect((await a.get('/member')).statusCode).toBe(200);
      world.runtime.advance(2 * MINUTE);

      const conflict = await c.login(EMAIL, PASSWORD);
      expect(conflict.statusCode).toBe(409);
      expect(conflict.body).toContain('Chrome 131');
      expect(conflict.body).not.toContain('Firefox 128');

      const keep = await c.post('/login/ambil-alih', {
        token: takeoverToken(conflict.body),
        fingerprint: c.fingerprint,
      });
      expect(keep.statusCode).toBe(303);
      expect(await signedIn(c)).toBe(true);
      expect(await signedIn(a)).toBe(true);
      const ended = await b.get('/member');
      expect(location(ended)).toBe('/login?alasan=takeover');
    });
  });

  describe('expiry', () => {
    it('an idle session ends after SESSION_IDLE_TIMEOUT and no longer blocks another device', async () => {
      await open({ SESSION_IDLE_TIMEOUT_HOURS: '2' });
      const { a, b } = browsers();
      await a.login(EMAIL, PASSWORD);
      world.runtime.advance(2 * HOUR - MINUTE);
      expect(await signedIn(a)).toBe(true);
      // That request slid the idle expiry forward by another 2 hours.
      world.runtime.advance(2 * HOUR - MINUTE);
      expect(await signedIn(a)).toBe(true);
      world.runtime.advance(2 * HOUR);
      const page = await a.get('/member');
      expect(page.statusCode).toBe(303);
      expect(location(page)).toBe('/login?alasan=expired');
      expect((await b.login(EMAIL, PASSWORD)).statusCode).toBe(303);
    });

    it('the default idle timeout is 168 hours', async () => {
      await open();
      const { a, b } = browsers();
      await a.login(EMAIL, PASSWORD);
      world.runtime.advance(168 * HOUR);
      expect(await signedIn(a)).toBe(false);
      expect((await b.login(EMAIL, PASSWORD)).statusCode).toBe(303);
    });

    it('a session in daily use still ends at SESSION_MAX_AGE_DAYS', async () => {
      await open();
      const { a, b } = browsers();
      await a.login(EMAIL, PASSWORD);
      for (let day = 1; day < 30; day++) {
        world.runtime.advance(DAY);
        expect(await signedIn(a)).toBe(true);
      }
      world.runtime.advance(DAY);
      expect(await signedIn(a)).toBe(false);
      expect((await b.login(EMAIL, PASSWORD)).statusCode).toBe(303);
    });
  });

  describe('stolen or partial cookies', () => {
    it('a session id without its secret, or with another secret, is refused', async () => {
      await open();
      const { a } = browsers();
      await a.login(EMAIL, PASSWORD);
      const names = cookieNames(world);
      const [id] = (a.cookies.get(names.session) ?? '').split('.');
      const device = a.cookies.get(names.device) ?? '';
      const ask = (session: string) =>
        world.app.inject({
          url: '/api/session',
          headers: { cookie: `${names.session}=${session}; ${names.device}=${device}` },
        });
      expect((await ask(a.cookies.get(names.session) ?? '')).statusCode).toBe(200);
      expect((await ask(`${id}`)).statusCode).toBe(401);
      expect((await ask(`${id}.`)).statusCode).toBe(401);
      expect((await ask(`${id}.${randomBytes(20).toString('base64url')}`)).statusCode).toBe(401);
      // The refused guesses did not end the real session.
      expect((await ask(a.cookies.get(names.session) ?? '')).statusCode).toBe(200);
    });

    it('a session cookie without its device cookie (or with another device cookie) is refused', async () => {
      await open();
      await addMember(world, 'budi@example.com');
      const { a, b } = browsers();
      await a.login(EMAIL, PASSWORD);
      await b.login('budi@example.com', PASSWORD);
      const names = cookieNames(world);
      const session = a.cookies.get(names.session) ?? '';
      const alone = await world.app.inject({ url: '/api/session', headers: { cookie: `${names.session}=${session}` } });
      expect(alone.statusCode).toBe(401);
      const mixed = await world.app.inject({
        url: '/api/session',
        headers: { cookie: `${names.session}=${session}; ${names.device}=${b.cookies.get(names.device)}` },
      });
      expect(mixed.statusCode).toBe(401);
      expect(await signedIn(a)).toBe(true);
    });
  });
});
