import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { createApiToken } from '../../src/auth/index.js';
import { databaseStorage } from '../../src/content/index.js';
import { createEndpoint, queueTestEvent } from '../../src/webhooks-out/index.js';
import { addAdmin, auditEntries, csrfOf, signInAdmin } from '../helpers/admin.js';
import { addMember, location, PASSWORD, TestDevice } from '../helpers/auth.js';
import { seedTransaction } from '../helpers/hesda.js';
import { licenseApi } from '../helpers/license-world.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, devMailWorker, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';

/** The console's routes as registered: a route added tomorrow is checked here without editing this file. */
function consoleRoutes(world: World) {
  const routes = world.app.routeTable.filter((r) => r.url === '/admin' || r.url.startsWith('/admin/'));
  const other = routes.filter((r) => !['GET', 'HEAD', 'POST'].includes(r.method));
  expect(other, 'console routes are GET pages and POST actions only').toEqual([]);
  // Every :param is an id; 1 names a seeded row of each table.
  const concrete = (url: string) => url.replaceAll(/:[a-z]+/g, '1');
  return {
    gets: routes.filter((r) => r.method === 'GET').map((r) => concrete(r.url)),
    posts: routes.filter((r) => r.method === 'POST').map((r) => concrete(r.url)),
  };
}

describe.each(DIALECTS)('who may reach the operator console (%s)', (dialect) => {
  const open = worldPerTest(dialect, async (w) => {
    await addAdmin(w);
    await addMember(w, ANI);
    // One row in every table a console URL names, each with id 1.
    expect((await postLynk(w.app, payment({ email: ANI }))).json().outcome).toBe('processed');
    await devMailWorker(w).drain();
    await w.database.db
      .insertInto('product_rules')
      .values({
        match_uuid: null,
        match_title: 'Kelas',
        action: 'license',
        max_devices: 2,
        validity_days: null,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    // Content product 1 with item 1 (a file), as the Produk editor shows it.
    const now = w.runtime.now();
    const file = await databaseStorage(w.database.db).save(
      { name: 'a.pdf', mime: 'application/pdf' },
      [Buffer.from('%PDF')],
      now,
    );
    await w.database.db
      .insertInto('content_products')
      .values({ match_uuid: null, match_title: 'Kelas', name: 'Kelas', created_at: now, updated_at: now })
      .execute();
    await w.database.db
      .insertInto('content_items')
      .values({
        product_id: 1,
        position: 1,
        kind: 'file',
        title: 'Modul',
        url: null,
        source_url: null,
        body: null,
        file_id: file.id,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await createApiToken(w.database.db, w.runtime, { name: 'skrip', createdBy: null }, CLI_ACTOR);
    // PPOB transaction 1 (unknown, so its reconciliation form is on the page) and activation 1 of license 1.
    const ppob = await seedTransaction(w, 'HSD-1');
    await w.database.db.updateTable('ppob_transactions').set({ status: 'unknown' }).where('id', '=', ppob.id).execute();
    const license = await w.database.db.selectFrom('licenses').select('license_key').executeTakeFirstOrThrow();
    const activated = await licenseApi(w, 'activate', { key: license.license_key, fingerprint: 'A' });
    expect(activated.statusCode).toBe(201);
    // Outgoing webhook endpoint 1 with delivery 1 (a test event).
    const ctx = { now: w.runtime.now(), randomBytes: w.runtime.randomBytes, masterSecret: w.config.cookieSecret };
    const endpoint = await createEndpoint(
      w.database.db,
      { url: 'http://127.0.0.1:9/hook', description: '', eventTypes: [] },
      ctx,
    );
    await queueTestEvent(w.database.db, endpoint.id, ctx, 'uji');
  });

  it('the console has the pages and actions of the issue (the walk below is not over an empty list)', async () => {
    const world = await open();
    const { gets, posts } = consoleRoutes(world);
    expect(gets.length).toBeGreaterThanOrEqual(14);
    expect(posts.length).toBeGreaterThanOrEqual(14);
    // The license actions and the PPOB pages are walked too.
    expect(gets).toEqual(
      expect.arrayContaining([
        '/admin/ppob',
        '/admin/ppob/1',
        '/admin/webhook-keluar',
        '/admin/webhook-keluar/1',
        '/admin/webhook-keluar/pengiriman/1',
      ]),
    );
    expect(posts).toEqual(
      expect.arrayContaining([
        '/admin/lisensi/1/cabut',
        '/admin/lisensi/1/reset-aktivasi',
        '/admin/lisensi/1/aktivasi/1/lepas',
        '/admin/ppob',
        '/admin/ppob/1/rekonsiliasi',
        '/admin/webhook-keluar/1/uji',
        '/admin/webhook-keluar/pengiriman/1/kirim-ulang',
      ]),
    );
  });

  it('without a session: every page redirects to /login, every JSON request gets 401, every POST changes nothing', async () => {
    const world = await open();
    const { gets, posts } = consoleRoutes(world);
    const before = (await auditEntries(world)).length;
    for (const url of gets) {
      const page = await new TestDevice(world.app).get(url);
      // Back to the page asked for after signing in (the console home is where a login lands anyway).
      const back = url === '/admin' ? '/login' : `/login?lanjut=${encodeURIComponent(url)}`;
      expect([url, page.statusCode, location(page)]).toEqual([url, 303, back]);
      const json = await world.app.inject({ url, headers: { accept: 'application/json' } });
      expect([url, json.statusCode, json.json().error.code]).toEqual([url, 401, 'UNAUTHENTICATED']);
    }
    for (const url of posts) {
      const stranger = new TestDevice(world.app);
      const res = await stranger.post(url, {}, { csrf: await stranger.csrfToken() });
      expect([url, res.statusCode, location(res)]).toEqual([url, 303, '/login']);
    }
    expect(await auditEntries(world)).toHaveLength(before);
  });

  it("a member's live session gets 403 on every console route, page or action", async () => {
    const world = await open();
    const { gets, posts } = consoleRoutes(world);
    const ani = new TestDevice(world.app);
    expect(location(await ani.login(ANI, PASSWORD))).toBe('/member');
    const before = (await auditEntries(world)).length;
    for (const url of gets) {
      const res = await ani.get(url);
      expect([url, res.statusCode]).toEqual([url, 403]);
      expect(res.body).not.toContain(ANI);
    }
    for (const url of posts) {
      const res = await ani.post(url, { email: 'x@example.com', name: 'x' });
      expect([url, res.statusCode]).toEqual([url, 403]);
    }
    expect(await auditEntries(world)).toHaveLength(before);
    expect((await ani.get('/member')).statusCode).toBe(200);
  });

  it('an admin POST without the CSRF token, or with a token of another browser, is refused with 403 and not audited', async () => {
    const world = await open();
    const { posts } = consoleRoutes(world);
    const admin = await signInAdmin(world);
    const stranger = new TestDevice(world.app);
    const before = (await auditEntries(world)).length;
    const mailBefore = await world.database.db.selectFrom('mail_outbox').select('id').execute();
    for (const url of posts) {
      const missing = await admin.post(url, { email: 'x@example.com', name: 'x' }, { csrf: null });
      expect([url, missing.statusCode]).toEqual([url, 403]);
      const foreign = await admin.post(url, { name: 'x' }, { csrf: await stranger.csrfToken() });
      expect([url, foreign.statusCode]).toEqual([url, 403]);
    }
    expect(await auditEntries(world)).toHaveLength(before);
    expect(await world.database.db.selectFrom('mail_outbox').select('id').execute()).toEqual(mailBefore);
    const live = await world.database.db.selectFrom('sessions').select('id').where('revoked_at', 'is', null).execute();
    expect(live).toHaveLength(1);
  });

  it('an admin sees every console page (no page fails on real data)', async () => {
    const world = await open();
    const { gets } = consoleRoutes(world);
    const admin = await signInAdmin(world);
    for (const url of gets) {
      const res = await admin.get(url);
      expect([url, res.statusCode]).toEqual([url, 200]);
      expect(res.headers['cache-control']).toBe('no-store');
      // The mail's own HTML and the CSV and JSON downloads are not console pages with forms.
      if (!url.endsWith('/isi') && !url.endsWith('.csv') && !url.endsWith('/ekspor'))
        expect(csrfOf(res.body).length).toBeGreaterThan(10);
    }
  });

  it('GET /login with a live admin session goes to /admin, a member session to /member', async () => {
    const world = await open();
    const admin = await signInAdmin(world);
    expect(location(await admin.get('/login'))).toBe('/admin');
    const ani = new TestDevice(world.app);
    await ani.login(ANI, PASSWORD);
    expect(location(await ani.get('/login'))).toBe('/member');
  });
});
