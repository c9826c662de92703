import { describe, expect, it } from 'vitest';
import { auditEntries } from '../helpers/admin.js';
import { cookieNames, location, loginRedirect, PASSWORD, TestDevice, USER_AGENTS } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';
import type { ClassifiedRoute } from './route-classes.js';
import { fillParams, stateChangingRoutes } from './route-classes.js';
import type { Holdings } from './two-members.js';
import { ANI, memberRouteIds, seedTwoMembers, stateSnapshot } from './two-members.js';

describe.each(DIALECTS)('copied device cookies and CSRF (%s)', (dialect) => {
  let seeded: { ani: Holdings; budi: Holdings };
  const open = worldPerTest(dialect, async (w) => {
    seeded = await seedTwoMembers(w);
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
      expect(location(await copy.get('/member/lisensi'))).toBe(loginRedirect('/member/lisensi'));
      expect((await copy.get('/member/lisensi')).body).not.toContain(seeded.ani.licenseKey);
    });
  });

  describe('CSRF on every state-changing route that a cookie authenticates', () => {
    /** Signed by the sender or carrying their own bearer credential: no ambient cookie, so no CSRF. */
    const EXEMPT = new Set(['webhook', 'license-api', 'admin-token-api', 'gone']);
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
          '/akun/sandi-baru',
          '/akun/sandi',
          '/akun/email',
          '/akun/email/konfirmasi',
          '/login/lupa-sandi',
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
      const before = await stateSnapshot(world);
      for (const route of walked(world)) {
        const url = fillParams(route.url, memberRouteIds(seeded.ani));
        const form = { email: ANI, password: PASSWORD, token: 'A'.repeat(43), password_confirm: PASSWORD };
        const missing = await ani.post(url, form, { csrf: null });
        expect([url, missing.statusCode]).toEqual([url, 403]);
        const foreign = await ani.post(url, form, { csrf: await stranger.csrfToken() });
        expect([url, foreign.statusCode]).toEqual([url, 403]);
      }
      expect(await stateSnapshot(world)).toEqual(before);
      expect((await ani.get('/api/session')).statusCode).toBe(200);
    });
  });
});
