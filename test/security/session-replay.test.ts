import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newSessionToken } from '../../src/auth/tokens.js';
import { signInAdmin } from '../helpers/admin.js';
import { cookieNames, location, loginRedirect, PASSWORD, TestDevice, USER_AGENTS } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';
import { fillParams, routesOf } from './route-classes.js';
import type { Holdings } from './two-members.js';
import { ANI, BUDI, memberRouteIds, seedTwoMembers, stateSnapshot } from './two-members.js';

describe.each(DIALECTS)('session fixation and replayed cookies (%s)', (dialect) => {
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
      const before = await stateSnapshot(world);
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
          expect([url, page.statusCode, location(page)]).toEqual([url, 303, loginRedirect(url, reason)]);
        }
      }
      expect(await stateSnapshot(world)).toEqual(before);
    });

    it('opens no console page for an admin either', async () => {
      const world = await open({ ADMIN_MAX_DEVICES: '1' });
      const admin = await replayed(world, 'admin@toko.example', () => signInAdmin(world));
      for (const route of routesOf(world.app, 'admin').filter((r) => r.method === 'GET')) {
        const url = fillParams(route.url, { id: 1, activation: 1 });
        const res = await admin.get(url);
        expect([url, res.statusCode, location(res)]).toEqual([url, 303, loginRedirect(url, reason)]);
      }
    });
  });
});
