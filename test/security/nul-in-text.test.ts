import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { addAdmin, signInAdmin } from '../helpers/admin.js';
import { addMember, cookieHeader, TestDevice } from '../helpers/auth.js';
import { buyLicense, licenseApi } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const BUDI = 'budi@example.com';
const NUL = '\u0000';

/**
 * NUL is legal in JSON ("\u0000") and URLs (%00), but PostgreSQL refuses it in a text value: the
 * query failed and the answer was a 500 there while SQLite answered. Every dialect answers 400.
 */
describe.each(DIALECTS)('a NUL character in text input is a 400, never a 500 (%s)', (dialect) => {
  const open = worldPerTest(dialect, (w) => addMember(w, BUDI));

  /** A JSON post from the login page's browser (its CSRF token in the body, as its script sends it). */
  const postJson = async (world: World, url: string, body: Record<string, unknown>) => {
    const device = new TestDevice(world.app);
    const csrf = await device.csrfToken();
    return world.app.inject({
      method: 'POST',
      url,
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/json', accept: 'application/json', cookie: cookieHeader(device.cookies) },
      payload: JSON.stringify({ ...body, _csrf: csrf }),
    });
  };
  const expectBadRequest = (res: LightMyRequestResponse, code: string, what: string) => {
    expect(res.statusCode, what).toBe(400);
    expect(res.json().error, what).toMatchObject({ code, requestId: expect.any(String) });
  };

  it('the public license API: key, fingerprint and device name', async () => {
    const world = await open();
    const { key } = await buyLicense(world, 'Satu Perangkat');
    const cases: ['activate' | 'validate' | 'deactivate', Record<string, unknown>][] = [
      ['activate', { key: `${key}${NUL}`, fingerprint: 'A' }],
      ['activate', { key, fingerprint: `A${NUL}` }],
      ['activate', { key, fingerprint: 'A', name: `Laptop${NUL}` }],
      ['validate', { key: `${NUL}${key}` }],
      ['validate', { key, fingerprint: NUL }],
      ['deactivate', { key: `${key}${NUL}`, activation_id: 1 }],
      ['deactivate', { key, fingerprint: `A${NUL}` }],
    ];
    for (const [action, body] of cases) {
      const res = await licenseApi(world, action, body);
      expectBadRequest(res, 'INVALID_PAYLOAD', `${action} ${JSON.stringify(body)}`);
      expect(res.json().error.message).toContain('NUL');
    }
    expect(await world.database.db.selectFrom('license_activations').select('id').execute()).toEqual([]);
  });

  it('the login form, as JSON', async () => {
    const world = await open();
    expectBadRequest(
      await postJson(world, '/login', { email: `budi${NUL}@example.com`, password: 'rahasia' }),
      'BAD_REQUEST',
      'email',
    );
  });

  it('the login-link request, as JSON', async () => {
    const world = await open();
    expectBadRequest(await postJson(world, '/login/tautan/kirim', { email: `${BUDI}${NUL}` }), 'BAD_REQUEST', 'email');
    expect(await world.database.db.selectFrom('mail_outbox').select('id').execute()).toEqual([]);
  });

  it("the console's searches", async () => {
    const world = await open();
    await addAdmin(world);
    const admin = await signInAdmin(world);
    for (const url of [
      '/admin/member?q=bu%00di',
      '/admin/lisensi?q=%00',
      '/admin/ppob?q=0812%00',
      '/admin/email?kepada=a%00',
    ]) {
      const page = await admin.get(url);
      expect(page.statusCode, url).toBe(400);
      expect(page.body, url).toContain('NUL');
      const json = await admin.get(url, { accept: 'application/json' });
      expectBadRequest(json, 'BAD_REQUEST', url);
    }
    // Without NUL the same searches answer as always.
    expect((await admin.get('/admin/member?q=budi')).statusCode).toBe(200);
  });

  it("the console's forms refuse it and write nothing", async () => {
    const world = await open();
    await addAdmin(world);
    const admin = await signInAdmin(world);
    const { db } = world.database;
    const count = async (table: 'api_tokens' | 'product_rules' | 'members') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = {
      tokens: await count('api_tokens'),
      rules: await count('product_rules'),
      members: await count('members'),
    };
    for (const [url, form] of [
      ['/admin/token', { name: `skrip${NUL}` }],
      ['/admin/produk', { match: 'title', value: `Kelas${NUL}`, action: 'license', maxDevices: '1' }],
      ['/admin/member', { email: 'cici@example.com', name: `Ci${NUL}ci`, phone: '' }],
    ] as const) {
      const answer = await admin.post(url, form);
      expect(answer.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(answer.statusCode, url).toBeLessThan(500);
    }
    expect({
      tokens: await count('api_tokens'),
      rules: await count('product_rules'),
      members: await count('members'),
    }).toEqual(before);
  });
});
