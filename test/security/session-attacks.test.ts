import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newSessionToken } from '../../src/auth/tokens.js';
import { auditEntries, signInAdmin } from '../helpers/admin.js';
import { cookieNames, location, PASSWORD, TestDevice, USER_AGENTS, unrevokedSessions } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';
import type { ClassifiedRoute } from './route-classes.js';
import { fillParams, routesOf, stateChangingRoutes } from './route-classes.js';
import type { Holdings } from './two-members.js';
import { ANI, BUDI, memberRouteIds, seedTwoMembers } from './two-members.js';

/** What a state-changing request must not have changed when it was refused. */
async function snapshot(world: World) {
  const count = async (table: 'sessions' | 'license_activations' | 'mail_outbox' | 'audit_log' | 'members') =>
    (
      await world.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
  return {
    liveSessions: await unrevokedSessions(world),
    activations: Number(await count('license_activations')),
    mails: Number(await count('mail_outbox')),
    audit: Number(await count('audit_log')),
    members: Number(await count('members')),
  };
}

describe.each(DIALECTS)('session attacks (%s)', (dialect) => {
  let seeded: { ani: Holdings; budi: Holdings };
  const open = worldPerTest(dialect, async (w) => {
    seeded = await seedTwoMembers(w);
  });

  describe('session fixation (OWASP ASVS 3.2.1: a new session token on authentication)', () => {
    it('a session id planted before login is not adopted: login issues a fresh one, the planted value opens nothing', async () => {
      const world = await open();
      const names = cookieNames(world);
      const planted = newSessionToken(randomBytes).value;
      const victim = new TestDevice(world.app);
      victim.cookies.set(names.session, planted);
      expect(location(await victim.login(ANI, PASSWORD))).toBe('/member');
      const issued = victim.cookies.get(names.session) ?? '';
      expect(issued).not.toBe(planted);
      expect(issued.split('.')[0]).not.toBe(planted.split('.')[0]);
      // The attacker holds the planted value (and even the victim's device cookie): no page, no API.
      const attacker = new TestDevice(world.app);
      attacker.cookies.set(names.session, planted);
      attacker.cookies.set(names.device, victim.cookies.get(names.device) ?? '');
      expect((await attacker.get('/api/session')).statusCode).toBe(401);
      expect(location(await attacker.get('/member'))).toBe('/login?alasan=expired');
    });

    it("the attacker's own genuine session planted in the victim's browser is ended by the victim's login", async () => {
      const world = await open();
      const attacker = new TestDevice(world.app, { userAgent: USER_AGENTS.firefoxLinux });
      expect((await attacker.login(BUDI, PASSWORD)).statusCode).toBe(303);
      const victim = new TestDevice(world.app);
      for (const [name, value] of attacker.cookies) victim.cookies.set(name, value);
      expect(location(await victim.login(ANI, PASSWORD))).toBe('/member');
      const names = cookieNames(world);
      expect(victim.cookies.get(names.session)).not.toBe(attacker.cookies.get(names.session));
      // The planted session was rotated away: the attacker's browser sees neither account now.
      const asked = await attacker.get('/api/session');
      expect(asked.statusCode).toBe(401);
      expect(asked.body).not.toContain(ANI);
      expect((await victim.get('/api/session')).json().member.email).toBe(ANI);
    });
  });

  describe.each([
    ['logout', 'logout'],
    ['takeover', 'takeover'],
  ])('a cookie replayed after %s', (_name, reason) => {
    /** A member browser whose cookies name a session that was ended, then restored from a copy. */
    const replayed = async (world: World, email: string, signIn: () => Promise<TestDevice>) => {
      const browser = await signIn();
      const kept = new Map(browser.cookies);
      if (reason === 'logout') await browser.post('/auth/logout', {});
      else await new TestDevice(world.app, { userAgent: USER_AGENTS.safariIphone }).loginKeepingHere(email, PASSWORD);
      for (const [k, v] of kept) browser.cookies.set(k, v);
      return browser;
    };

    // Proves: the guard checks the session row on every request; an ended session opens no member route.
    it('opens no member page and no member API, and no POST acts on it', async () => {
      const world = await open();
      const ani = await replayed(world, ANI, async () => {
        const device = new TestDevice(world.app);
        await device.login(ANI, PASSWORD);
        return device;
      });
      const before = await snapshot(world);
      for (const route of routesOf(world.app, 'member')) {
        const url = fillParams(route.url, memberRouteIds(seeded.ani));
        const res =
          route.method === 'GET'
            ? await ani.get(url, { accept: 'application/json' })
            : await ani.post(url, {}, { accept: 'application/json' });
        if (url.startsWith('/api/realtime/')) {
          // The stream says only that the session ended, then closes (EventSource must not retry in a loop).
          const events = res.body.split('\n').filter((line) => line.startsWith('event:'));
          expect([url, res.statusCode, events]).toEqual([url, 200, ['event: session.revoked']]);
          expect(res.body).toContain(`"reason":"${reason}"`);
          continue;
        }
        expect([route.method, url, res.statusCode, res.json().error.reason]).toEqual([route.method, url, 401, reason]);
        if (route.method === 'GET' && !url.startsWith('/api/')) {
          const page = await ani.get(url);
          expect([url, page.statusCode, location(page)]).toEqual([url, 303, `/login?alasan=${reason}`]);
        }
      }
      expect(await snapshot(world)).toEqual(before);
    });

    it('opens no console page for an admin either', async () => {
      const world = await open({ ADMIN_MAX_DEVICES: '1' });
      const admin = await replayed(world, 'admin@toko.example', () => signInAdmin(world));
      for (const route of routesOf(world.app, 'admin').filter((r) => r.method === 'GET')) {
        const url = fillParams(route.url, { id: 1, activation: 1 });
        const res = await admin.get(url);
        expect([url, res.statusCode, location(res)]).toEqual([url, 303, `/login?alasan=${reason}`]);
      }
    });
  });

  describe('a device cookie copied to another browser', () => {
    // Proves the finding fixed in src/auth/devices.ts + login.ts: a copied device cookie, even with a
    // matching fingerprint, no longer passes as the original while the original holds a live session.
    it('meets the one-device conflict dialog (never a silent sign-in), and keeping it there logs the original out visibly', async () => {
      const world = await open();
      const names = cookieNames(world);
      const original = new TestDevice(world.app, { userAgent: USER_AGENTS.chromeWindows });
      expect((await original.login(ANI, PASSWORD)).statusCode).toBe(303);
      // The fingerprint is a kind of device: an identical laptop (or a forger) computes the same one.
      const copy = new TestDevice(world.app, {
        userAgent: USER_AGENTS.chromeWindows,
        fingerprint: original.fingerprint,
      });
      copy.cookies.set(names.device, original.cookies.get(names.device) ?? '');
      const res = await copy.login(ANI, PASSWORD);
      expect(res.statusCode).toBe(409);
      expect(res.body).toContain('Konflik Sesi Terdeteksi');
      // It is told apart from now on: a device token of its own.
      expect(copy.cookies.get(names.device)).not.toBe(original.cookies.get(names.device));
      expect((await original.get('/api/session')).statusCode).toBe(200);

      expect((await copy.loginKeepingHere(ANI, PASSWORD)).statusCode).toBe(303);
      const ended = await original.get('/member');
      expect(location(ended)).toBe('/login?alasan=takeover');
      expect(await auditEntries(world, 'session.takeover')).toHaveLength(1);
    });

    it('alone (without the session cookie) opens no page and no API', async () => {
      const world = await open();
      const names = cookieNames(world);
      const original = new TestDevice(world.app);
      await original.login(ANI, PASSWORD);
      const copy = new TestDevice(world.app, { fingerprint: original.fingerprint });
      copy.cookies.set(names.device, original.cookies.get(names.device) ?? '');
      expect((await copy.get('/api/session')).statusCode).toBe(401);
      expect(location(await copy.get('/member/lisensi'))).toBe('/login');
      expect((await copy.get('/member/lisensi')).body).not.toContain(seeded.ani.licenseKey);
    });
  });

  describe('CSRF on every state-changing route that a cookie authenticates', () => {
    /** Signed by the sender or carrying their own bearer credential: no ambient cookie, so no CSRF. */
    const EXEMPT = new Set(['webhook', 'license-api', 'admin-token-api']);
    const walked = (world: World): ClassifiedRoute[] =>
      // The console's POSTs are walked, with an admin session, by test/admin/authorization.test.ts.
      stateChangingRoutes(world.app).filter((r) => !EXEMPT.has(r.kind) && r.kind !== 'admin');

    it('the walk covers every POST of the login flow, the member area, the password and setup pages', async () => {
      const world = await open();
      const urls = walked(world).map((r) => r.url);
      expect(urls).toEqual(
        expect.arrayContaining([
          '/login',
          '/login/ambil-alih',
          '/auth/logout',
          '/akun/atur-sandi',
          '/setup',
          '/member/produk/:licenseId/buka',
          '/member/lisensi/aktivasi/:id/lepas',
        ]),
      );
      // Nothing but POST changes state here (no PUT/DELETE that a walk of POSTs could miss).
      expect(stateChangingRoutes(world.app).filter((r) => r.method !== 'POST')).toEqual([]);
    });

    it('each, from a signed-in member, without a token or with another browser’s token → 403 and nothing changes', async () => {
      const world = await open();
      const ani = new TestDevice(world.app);
      await ani.login(ANI, PASSWORD);
      const stranger = new TestDevice(world.app);
      const before = await snapshot(world);
      for (const route of walked(world)) {
        const url = fillParams(route.url, memberRouteIds(seeded.ani));
        const form = { email: ANI, password: PASSWORD, token: 'A'.repeat(43), password_confirm: PASSWORD };
        const missing = await ani.post(url, form, { csrf: null });
        expect([url, missing.statusCode]).toEqual([url, 403]);
        const foreign = await ani.post(url, form, { csrf: await stranger.csrfToken() });
        expect([url, foreign.statusCode]).toEqual([url, 403]);
      }
      expect(await snapshot(world)).toEqual(before);
      expect((await ani.get('/api/session')).statusCode).toBe(200);
    });
  });
});
