import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  addMember,
  cookieHeader,
  cookieNames,
  location,
  PASSWORD,
  TestDevice,
  USER_AGENTS,
  unrevokedSessions,
} from '../helpers/auth.js';
import { payment, postLynk } from '../helpers/lynk.js';
import { SseConnection } from '../helpers/sse-client.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';
const BUDI = 'budi@example.com';

/** Every page and API behind the member guard. */
const PAGES = [
  '/member',
  '/member/lisensi',
  '/member/transaksi',
  '/member/video',
  '/member/produk',
  '/member/produk/1',
];
const APIS = ['/api/session', '/api/realtime/stream'];

/** Every state-changing POST, with a body that would otherwise be accepted as far as its shape goes. */
const POSTS: [string, Record<string, string>][] = [
  ['/login', { email: ANI, password: PASSWORD }],
  ['/login/ambil-alih', { token: 'A'.repeat(43) }],
  ['/login/batal', { token: 'A'.repeat(43) }],
  ['/login/tautan', { token: 'A'.repeat(43) }],
  ['/login/tautan/kirim', { email: ANI }],
  ['/auth/logout', {}],
];

describe.each(DIALECTS)('security of the member area (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect, async (w) => {
    await addMember(w, ANI);
    await addMember(w, BUDI);
  });
  const open = async (env: Record<string, string> = {}) => (world = await openWorld(env));
  const signIn = async (email = ANI, userAgent: string = USER_AGENTS.chromeWindows) => {
    const device = new TestDevice(world.app, { userAgent });
    expect((await device.loginKeepingHere(email, PASSWORD)).statusCode).toBe(303);
    return device;
  };
  const liveSessions = () => unrevokedSessions(world);

  describe('without a session', () => {
    it.each(PAGES)('GET %s redirects to /login', async (path) => {
      await open();
      const res = await new TestDevice(world.app).get(path);
      expect(res.statusCode).toBe(303);
      // Back to the page asked for after signing in (the member home is where a login lands anyway).
      expect(location(res)).toBe(path === '/member' ? '/login' : `/login?lanjut=${encodeURIComponent(path)}`);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).not.toContain(ANI);
    });

    it.each(APIS)('GET %s → 401 JSON', async (path) => {
      await open();
      const res = await new TestDevice(world.app).get(path, { accept: 'application/json' });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    });

    it('a page asked for as JSON (fetch from a script) gets 401 JSON, not a redirect', async () => {
      await open();
      const res = await world.app.inject({ url: '/member/lisensi', headers: { accept: 'application/json' } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    });
  });

  describe.each([
    ['taken over on another device', 'takeover'],
    ['logged out', 'logout'],
  ])('with a session %s', (_name, reason) => {
    /** A browser whose cookies still name a session that has been ended. */
    const endedBrowser = async () => {
      const ani = await signIn(ANI, USER_AGENTS.firefoxLinux);
      const kept = new Map(ani.cookies);
      if (reason === 'takeover') await signIn(ANI, USER_AGENTS.safariIphone);
      else await ani.post('/auth/logout', {});
      for (const [k, v] of kept) ani.cookies.set(k, v);
      return ani;
    };

    it.each(PAGES)(`GET %s redirects to /login?alasan=${reason}`, async (path) => {
      await open();
      const ani = await endedBrowser();
      const res = await ani.get(path);
      expect(res.statusCode).toBe(303);
      const back = path === '/member' ? '' : `&lanjut=${encodeURIComponent(path)}`;
      expect(location(res)).toBe(`/login?alasan=${reason}${back}`);
      expect(res.body).not.toContain(ANI);
    });

    it('GET /api/session → 401 JSON with the reason', async () => {
      await open();
      const ani = await endedBrowser();
      const res = await ani.get('/api/session');
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toMatchObject({ code: 'UNAUTHENTICATED', reason });
    });

    it('GET /api/realtime/stream announces only the ending, then closes', async () => {
      await open();
      const ani = await endedBrowser();
      // Over loopback HTTP: the stream route needs a real socket (see test/realtime/stream.test.ts).
      await world.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = world.app.server.address() as AddressInfo;
      const res = await SseConnection.open(port, '/api/realtime/stream', { cookie: cookieHeader(ani.cookies) });
      await res.ended;
      expect(res.status).toBe(200);
      expect(res.endedByServer).toBe(true);
      expect(res.frames().filter((f) => f.event || f.data)).toEqual([
        expect.objectContaining({ event: 'session.revoked', data: expect.stringContaining(`"reason":"${reason}"`) }),
      ]);
      expect(res.raw).not.toContain(ANI);
    });
  });

  it('a member disabled while signed in loses access at once', async () => {
    await open();
    const ani = await signIn();
    await world.database.db.updateTable('members').set({ status: 'disabled' }).where('email', '=', ANI).execute();
    expect((await ani.get('/api/session')).statusCode).toBe(401);
    expect((await ani.get('/member')).statusCode).toBe(303);
  });

  describe('CSRF', () => {
    it.each(POSTS)('POST %s without the CSRF token → 403 and changes nothing', async (path, form) => {
      await open();
      const ani = await signIn();
      const before = await liveSessions();
      const res = await ani.post(path, form, { csrf: null });
      expect(res.statusCode).toBe(403);
      expect(await liveSessions()).toBe(before);
      expect((await ani.get('/api/session')).statusCode).toBe(200);
      expect(await world.database.db.selectFrom('mail_outbox').select('id').execute()).toHaveLength(0);
    });

    it.each(POSTS)("POST %s with another browser's CSRF token → 403", async (path, form) => {
      await open();
      const ani = await signIn();
      const stranger = new TestDevice(world.app);
      const res = await ani.post(path, form, { csrf: await stranger.csrfToken() });
      expect(res.statusCode).toBe(403);
      expect((await ani.get('/api/session')).statusCode).toBe(200);
    });

    it('a JSON body does not get around the CSRF check', async () => {
      await open();
      const ani = await signIn();
      const names = cookieNames(world);
      const res = await world.app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: {
          'content-type': 'application/json',
          cookie: `${names.session}=${ani.cookies.get(names.session)}; ${names.device}=${ani.cookies.get(names.device)}`,
        },
        payload: '{}',
      });
      expect(res.statusCode).toBe(403);
      expect((await ani.get('/api/session')).statusCode).toBe(200);
    });
  });

  describe('GET /logout', () => {
    it('from another site does not log out; it shows a confirmation form that does', async () => {
      await open();
      const ani = await signIn();
      const res = await ani.get('/logout', { 'sec-fetch-site': 'cross-site' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('action="/auth/logout"');
      expect(res.body).toContain('id="confirm-logout"');
      expect((await ani.get('/api/session')).statusCode).toBe(200);

      const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? '';
      const confirmed = await ani.post('/auth/logout', {}, { csrf });
      expect(confirmed.statusCode).toBe(303);
      expect((await ani.get('/api/session')).statusCode).toBe(401);
    });

    it('from the site itself logs out (the old link keeps working)', async () => {
      await open();
      const ani = await signIn();
      const res = await ani.get('/logout', { 'sec-fetch-site': 'same-origin' });
      expect(res.statusCode).toBe(303);
      expect(location(res)).toBe('/login?alasan=keluar');
      expect(ani.cookies.has(cookieNames(world).session)).toBe(false);
      expect(await liveSessions()).toBe(0);
    });
  });

  describe('Lisensi saya', () => {
    it("shows the member's own licenses, bought under any capitalisation of the address, and never another's", async () => {
      await open();
      const bought = async (email: string, uuid: string) => {
        const res = await postLynk(world.app, payment({ email, items: [{ title: `Produk ${uuid}`, uuid }] }));
        expect(res.json().outcome).toBe('processed');
        return (
          await world.database.db
            .selectFrom('licenses')
            .select('license_key')
            .where('product_uuid', '=', uuid)
            .executeTakeFirstOrThrow()
        ).license_key;
      };
      const aniKey = await bought(ANI, 'p-ani');
      const aniUpperKey = await bought('Ani@Example.COM', 'p-ani-2');
      const budiKey = await bought(BUDI, 'p-budi');

      const ani = await signIn(ANI);
      const res = await ani.get('/member/lisensi');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(aniKey);
      expect(res.body).toContain(aniUpperKey);
      expect(res.body).not.toContain(budiKey);
      expect(res.body).not.toContain('Produk p-budi');

      // ?email= or any other parameter does not widen the list.
      const widened = await ani.get(`/member/lisensi?email=${encodeURIComponent(BUDI)}`);
      expect(widened.body).not.toContain(budiKey);

      const budi = await signIn(BUDI, USER_AGENTS.firefoxLinux);
      const theirs = await budi.get('/member/lisensi');
      expect(theirs.body).toContain(budiKey);
      expect(theirs.body).not.toContain(aniKey);
    });

    it('a member without licenses sees an empty list', async () => {
      await open();
      const ani = await signIn(ANI);
      const res = await ani.get('/member/lisensi');
      expect(res.body).toContain(`Belum ada lisensi untuk ${ANI}`);
    });
  });

  describe('Video', () => {
    it('frames only the configured player, allowed by the page CSP', async () => {
      await open({ MEMBER_VIDEO_URL: 'https://player.example.net/embed/abc?x=1' });
      const ani = await signIn();
      const res = await ani.get('/member/video');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<iframe id="videoFrame" src="https://player.example.net/embed/abc?x=1"');
      expect(res.headers['content-security-policy']).toContain('frame-src https://player.example.net;');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    });

    it('without MEMBER_VIDEO_URL there is no frame and no frame-src, and buyers are not told about settings', async () => {
      await open();
      const ani = await signIn();
      const res = await ani.get('/member/video');
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('<iframe');
      expect(res.headers['content-security-policy']).not.toContain('frame-src');
      expect(res.body).toContain('Belum ada materi untuk member.');
      // Only the words a buyer reads: attribute values (the form's random secret) may hold N_P.
      const visibleText = res.body.replace(/<[^>]*>/g, ' ');
      expect(visibleText).not.toMatch(/\b[A-Z]+_[A-Z_]+\b/);
      expect(visibleText).toContain('Belum ada materi');
    });
  });

  describe('/metrics', () => {
    const TOKEN = 'metrics-token-0123456789';

    it('does not exist without METRICS_TOKEN', async () => {
      await open();
      const res = await world.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.statusCode).toBe(404);
    });

    it('needs the right bearer token', async () => {
      await open({ METRICS_TOKEN: TOKEN });
      for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
        const res = await world.app.inject({
          url: '/metrics',
          headers: authorization === undefined ? {} : { authorization },
        });
        expect(res.statusCode).toBe(401);
        expect(res.body).not.toContain('gerbang_');
      }
      const res = await world.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.body).toMatch(/^gerbang_realtime_streams 0$/m);
      expect(res.body).toMatch(/^gerbang_db_queries_total \d+$/m);
    });
  });
});
