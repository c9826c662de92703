import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { revokeLicense } from '../../src/licenses/index.js';
import { signInAdmin } from '../helpers/admin.js';
import { cookieHeader, location, loginRedirect, TestDevice } from '../helpers/auth.js';
import { hesdaEnv, postHesda, update } from '../helpers/hesda.js';
import { licenseDeps } from '../helpers/license-world.js';
import { payment, postLynk } from '../helpers/lynk.js';
import { SseConnection } from '../helpers/sse-client.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';
import { fillParams, routesOf, staleClassifications, unclassifiedRoutes } from './route-classes.js';
import type { Holdings } from './two-members.js';
import { ANI, BUDI, memberRouteIds, seedTwoMembers, signedInAs } from './two-members.js';

/** A row id no table holds: "not yours" must look exactly like "not there". */
const MISSING = 987_654;

describe.each(DIALECTS)('who reaches which route, walked over app.routeTable (%s)', (dialect) => {
  let seeded: { ani: Holdings; budi: Holdings };
  const open = worldPerTest(dialect, async (w) => {
    seeded = await seedTwoMembers(w);
  });

  // Proves: no route escapes the walks below (and the console walk of test/admin/authorization.test.ts).
  it('every registered route is classified, and every classified route is registered', async () => {
    // /metrics exists only with a token configured.
    const world = await open({ METRICS_TOKEN: 'metrics-token-0123456789' });
    expect(unclassifiedRoutes(world.app)).toEqual([]);
    expect(staleClassifications(world.app)).toEqual([]);
    expect(routesOf(world.app, 'member').length).toBeGreaterThanOrEqual(10);
    expect(routesOf(world.app, 'admin').length).toBeGreaterThanOrEqual(28);
  });

  // Proves: the member guard on every member route (no session → login page or 401, nothing done).
  it('without a session every member route refuses: pages go to /login, JSON gets 401, POSTs change nothing', async () => {
    const world = await open();
    const activationsBefore = await liveActivationCount(world);
    for (const route of routesOf(world.app, 'member')) {
      const url = fillParams(route.url, memberRouteIds(seeded.ani));
      const stranger = new TestDevice(world.app);
      if (route.method === 'GET') {
        // /api/ answers JSON even to a browser; pages send it to the login page.
        const page = await stranger.get(url);
        const refused = url.startsWith('/api/') ? [401, undefined] : [303, loginRedirect(url)];
        expect([url, page.statusCode, location(page)]).toEqual([url, ...refused]);
        const json = await stranger.get(url, { accept: 'application/json' });
        expect([url, json.statusCode, json.json().error.code]).toEqual([url, 401, 'UNAUTHENTICATED']);
      } else {
        const res = await stranger.post(url, {}, { accept: 'application/json' });
        expect([route.method, url, res.statusCode]).toEqual([route.method, url, 401]);
      }
    }
    expect(await liveActivationCount(world)).toBe(activationsBefore);
  });

  // Proves: member routes look rows up by the signed-in member, never by the id alone (IDOR).
  it("another member's id answers exactly as a missing id (404), on every member route with an id", async () => {
    const world = await open();
    const ani = await signedInAs(world, ANI);
    const withIds = routesOf(world.app, 'member').filter((r) => r.url.includes(':'));
    expect(withIds.length).toBeGreaterThanOrEqual(3);
    for (const route of withIds) {
      const theirs = fillParams(route.url, memberRouteIds(seeded.budi));
      const missing = fillParams(route.url, { licenseId: MISSING, id: MISSING, item: MISSING });
      expect(theirs, `${route.url}: every :param needs a value in memberRouteIds`).not.toContain(':');
      const ask = (url: string) =>
        route.method === 'GET'
          ? ani.get(url, { accept: 'application/json' })
          : ani.post(url, {}, { accept: 'application/json' });
      const [a, b] = [await ask(theirs), await ask(missing)];
      expect([theirs, a.statusCode, a.json().error.code]).toEqual([theirs, 404, 'NOT_FOUND']);
      expect(a.json().error.message).toBe(b.json().error.message);
      expect(b.statusCode).toBe(404);
      const page = route.method === 'GET' ? await ani.get(theirs) : await ani.post(theirs, {});
      expect([theirs, page.statusCode]).toEqual([theirs, 404]);
      for (const secret of [seeded.budi.licenseKey, seeded.budi.productTitle, BUDI])
        expect(page.body, `${theirs} leaks ${secret}`).not.toContain(secret);
    }
    // Budi's device still holds his license: the refused release and open changed nothing.
    const budiActivation = await world.database.db
      .selectFrom('license_activations')
      .select('revoked_at')
      .where('id', '=', seeded.budi.activationId)
      .executeTakeFirstOrThrow();
    expect(budiActivation.revoked_at).toBeNull();
  });

  // Proves: the member's lists are filtered by the session's member (licenses and PPOB transactions).
  it("a member's license and transaction lists never show the other member's rows, whatever the query says", async () => {
    const world = await open();
    const ani = await signedInAs(world, ANI);
    for (const url of [
      '/member/lisensi',
      `/member/lisensi?email=${BUDI}`,
      '/member/transaksi',
      '/member/transaksi?member=2',
    ]) {
      const res = await ani.get(url);
      expect([url, res.statusCode]).toEqual([url, 200]);
      expect(res.body).not.toContain(seeded.budi.licenseKey);
      expect(res.body).not.toContain(`data-transaction-id="${seeded.budi.transactionId}"`);
    }
    expect((await ani.get('/member/lisensi')).body).toContain(seeded.ani.licenseKey);
    expect((await ani.get('/member/transaksi')).body).toContain(`data-transaction-id="${seeded.ani.transactionId}"`);
  });

  // Proves: admin API routes take a Bearer token only; no cookie (a member's or an admin's) opens them.
  it('every admin-token API route (and /metrics) refuses no token, a member session and even an admin session', async () => {
    const world = await open({ METRICS_TOKEN: 'metrics-token-0123456789' });
    const member = await signedInAs(world, ANI);
    const admin = await signInAdmin(world);
    const routes = [...routesOf(world.app, 'admin-token-api'), ...routesOf(world.app, 'metrics-token')];
    expect(routes.length).toBeGreaterThanOrEqual(3);
    const before = await world.database.db.selectFrom('ppob_transactions').select('id').execute();
    for (const route of routes) {
      for (const browser of [new TestDevice(world.app), member, admin]) {
        const res =
          route.method === 'GET'
            ? await browser.get(route.url, { accept: 'application/json' })
            : await browser.post(
                route.url,
                { product_code: 'XXL5', customer_no: '0895123456789' },
                { accept: 'application/json' },
              );
        expect([route.method, route.url, res.statusCode]).toEqual([route.method, route.url, 401]);
        expect(res.body).not.toContain('0895123456789');
        expect(res.body).not.toContain('gerbang_');
      }
    }
    expect(await world.database.db.selectFrom('ppob_transactions').select('id').execute()).toEqual(before);
  });

  // Proves: webhooks are not an open door: without the sender's signature nothing is created.
  it('every webhook route refuses an unsigned delivery with 401 and creates nothing', async () => {
    const world = await open();
    const routes = routesOf(world.app, 'webhook');
    expect(routes.map((r) => r.url).sort()).toEqual(['/webhook/lynk', '/webhooks/ppob']);
    const licenses = await world.database.db.selectFrom('licenses').select('id').execute();
    const unsignedLynk = await postLynk(world.app, payment({ email: 'penyusup@example.com' }), { signature: null });
    expect(unsignedLynk.statusCode).toBe(401);
    const unsignedHesda = await postHesda(world.app, update(seeded.budi.hesdaId, 'success'), { signature: null });
    expect(unsignedHesda.statusCode).toBe(401);
    expect(await world.database.db.selectFrom('licenses').select('id').execute()).toEqual(licenses);
    const tx = await world.database.db
      .selectFrom('ppob_transactions')
      .select('status')
      .where('id', '=', seeded.budi.transactionId)
      .executeTakeFirstOrThrow();
    expect(tx.status).toBe('pending');
  });
});

describe.each(DIALECTS)('the event stream carries only its own member’s events (%s)', (dialect) => {
  let seeded: { ani: Holdings; budi: Holdings };
  const open = worldPerTest(dialect, async (w) => {
    seeded = await seedTwoMembers(w);
  });

  // Proves: the stream subscribes by the session's member id (never ?user=), for every event kind.
  it("Budi's license revocation and PPOB update reach Budi's stream and never Ani's", async () => {
    const world = await open(hesdaEnv(null));
    const port = await listen(world);
    const ani = await signedInAs(world, ANI);
    const budi = await signedInAs(world, BUDI);
    const aniStream = await SseConnection.open(port, `/api/realtime/stream?user=${seeded.budi.memberId}`, {
      cookie: cookieHeader(ani.cookies),
    });
    const budiStream = await SseConnection.open(port, '/api/realtime/stream', { cookie: cookieHeader(budi.cookies) });
    try {
      await Promise.all([aniStream.connected(), budiStream.connected()]);
      expect(await revokeLicense(licenseDeps(world), seeded.budi.licenseId, CLI_ACTOR, 'refund')).toEqual({ ok: true });
      expect((await postHesda(world.app, update(seeded.budi.hesdaId, 'success'))).statusCode).toBe(200);
      await budiStream.nextEvent('license.revoked');
      await budiStream.nextEvent('transaction.updated');
      // Then one event of Ani's own: her stream is live, so its silence above meant something.
      expect(await revokeLicense(licenseDeps(world), seeded.ani.licenseId, CLI_ACTOR, 'refund')).toEqual({ ok: true });
      await aniStream.nextEvent('license.revoked');
      const aniEvents = aniStream.frames().filter((f) => f.event);
      expect(aniEvents.map((f) => [f.event, JSON.parse(f.data ?? '{}').licenseId])).toEqual([
        ['license.revoked', seeded.ani.licenseId],
      ]);
      expect(aniStream.raw).not.toContain(seeded.budi.hesdaId);
      expect(aniStream.raw).not.toContain(BUDI);
    } finally {
      aniStream.close();
      budiStream.close();
    }
  });
});

async function listen(world: World): Promise<number> {
  await world.app.listen({ port: 0, host: '127.0.0.1' });
  return (world.app.server.address() as AddressInfo).port;
}

async function liveActivationCount(world: World): Promise<number> {
  const rows = await world.database.db
    .selectFrom('license_activations')
    .select('id')
    .where('revoked_at', 'is', null)
    .execute();
  return rows.length;
}
