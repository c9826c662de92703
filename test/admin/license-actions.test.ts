import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { addAdmin, csrfOf, expectAudited, signInAdmin } from '../helpers/admin.js';
import { addMember, cookieHeader, location, PASSWORD, TestDevice } from '../helpers/auth.js';
import { buyLicense, LICENSE_RULES, licenseApi, liveActivations } from '../helpers/license-world.js';
import { SseConnection } from '../helpers/sse-client.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const BUDI = 'budi@example.com';
const IP = '203.0.113.9';
const WAIT = 10_000;

describe.each(DIALECTS)('license actions in the console, audited and live (%s)', (dialect) => {
  let adminId: number;
  const openWorld = worldPerTest(dialect, async (w) => {
    adminId = await addAdmin(w);
    await addMember(w, BUDI);
  });
  const connections: SseConnection[] = [];
  afterEach(() => {
    for (const c of connections.splice(0)) c.close();
  });

  /** Budi's open stream, a license of his with two devices, and the admin's browser. */
  const setUp = async (product: 'Tiga Perangkat' | 'Setahun' = 'Tiga Perangkat') => {
    const world: World = await openWorld({ PRODUCT_RULES: LICENSE_RULES });
    await world.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (world.app.server.address() as AddressInfo).port;
    const budi = new TestDevice(world.app);
    expect((await budi.login(BUDI, PASSWORD)).statusCode).toBe(303);
    const stream = await SseConnection.open(port, '/api/realtime/stream', { cookie: cookieHeader(budi.cookies) });
    connections.push(stream);
    await stream.connected();
    const license = await buyLicense(world, product, BUDI);
    const activations: number[] = [];
    const fingerprints = product === 'Setahun' ? ['A'] : ['A', 'B'];
    for (const fingerprint of fingerprints) {
      const res = await licenseApi(world, 'activate', { key: license.key, fingerprint, name: `Laptop ${fingerprint}` });
      expect(res.statusCode).toBe(201);
      activations.push(res.json().activation.id);
    }
    const admin = await signInAdmin(world, undefined, IP);
    const detailPath = `/admin/lisensi/${license.id}`;
    const act = async (action: string, form: Record<string, string> = {}) => {
      const page = await admin.get(detailPath);
      expect(page.statusCode).toBe(200);
      return admin.post(`${detailPath}/${action}`, form, { csrf: csrfOf(page.body) });
    };
    return { world, stream, license, activations, admin, detailPath, act };
  };

  it('the detail shows state, device limit, overflow policy and every activation with its end', async () => {
    const { world, admin, detailPath, license, act } = await setUp();
    const page = await admin.get(detailPath);
    expect(page.body).toContain('2 dari 3 perangkat aktif.');
    expect(page.body).toContain('Laptop A');
    expect(page.body).toContain('Laptop B');
    expect(page.body).toMatch(/id="license-status"><span class="badge ok">aktif/);
    expect(page.body).toContain('perangkat baru ditolak');
    expect(page.body).toContain('id="revoke-license"');
    await act('reset-aktivasi');
    const after = await admin.get(detailPath);
    expect(after.body).toContain('0 dari 3 perangkat aktif.');
    expect(after.body.match(/direset admin/g)).toHaveLength(2);
    expect(after.body).not.toContain('id="reset-activations"');
    expect(await liveActivations(world, license.id)).toEqual([]);
  });

  it('an expired license shows as kedaluwarsa', async () => {
    const { world, admin, detailPath, license } = await setUp('Setahun');
    // Its validity ended a moment ago (moving the clock a year would end the admin's session too).
    await world.database.db
      .updateTable('licenses')
      .set({ expires_at: world.runtime.now() - 1 })
      .where('id', '=', license.id)
      .execute();
    const page = await admin.get(detailPath);
    expect(page.body).toMatch(/id="license-status"><span class="badge warn">kedaluwarsa/);
  });

  it('revoke (with a reason, confirmed) ends the license, is audited, and the open product page hears license.revoked', async () => {
    const { world, stream, license, act, admin, detailPath } = await setUp();
    const res = await act('cabut', { reason: 'refund', confirm: 'ya' });
    expect(location(res)).toBe(`${detailPath}?pesan=lisensi-dicabut`);
    const event = await stream.nextEvent('license.revoked', WAIT);
    expect(JSON.parse(event.data ?? '')).toMatchObject({ licenseId: license.id, reason: 'refund' });
    const row = await world.database.db
      .selectFrom('licenses')
      .select(['status', 'revoked_reason'])
      .where('id', '=', license.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'revoked', revoked_reason: 'refund' });
    expect(await liveActivations(world, license.id)).toEqual([]);
    const entry = await expectAudited(world, 'license.revoke', {
      actorId: adminId,
      ip: IP,
      target: ['license', license.id],
    });
    expect(JSON.parse(entry.details)).toMatchObject({ reason: 'refund', activations: 2 });
    expect((await licenseApi(world, 'validate', { key: license.key, fingerprint: 'A' })).json().valid).toBe(false);
    const page = await admin.get(detailPath);
    expect(page.body).toMatch(/id="license-status"><span class="badge bad">dicabut/);
    expect(page.body).not.toContain('id="revoke-license"');
    // A second revoke changes nothing and says so.
    expect(location(await act('cabut', { confirm: 'ya' }))).toBe(`${detailPath}?pesan=gagal`);
  });

  it('revoke without the confirmation box changes nothing and is not audited', async () => {
    const { world, license, act, detailPath } = await setUp();
    expect(location(await act('cabut', { reason: 'refund' }))).toBe(`${detailPath}?pesan=konfirmasi`);
    const row = await world.database.db
      .selectFrom('licenses')
      .select('status')
      .where('id', '=', license.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('active');
    expect(
      await world.database.db.selectFrom('audit_log').select('id').where('action', '=', 'license.revoke').execute(),
    ).toEqual([]);
  });

  it('reset ends every device, is audited, and each open page hears activation.revoked', async () => {
    const { world, stream, license, activations, act, detailPath } = await setUp();
    expect(location(await act('reset-aktivasi'))).toBe(`${detailPath}?pesan=aktivasi-reset`);
    const frames = await stream.waitFor((f) => f.filter((x) => x.event === 'activation.revoked').length === 2, WAIT);
    const heard = frames.filter((f) => f.event === 'activation.revoked').map((f) => JSON.parse(f.data ?? ''));
    expect(heard.map((d) => [d.activationId, d.reason])).toEqual(activations.map((id) => [id, 'reset']));
    expect(await liveActivations(world, license.id)).toEqual([]);
    const entry = await expectAudited(world, 'license.reset_activations', {
      actorId: adminId,
      ip: IP,
      target: ['license', license.id],
    });
    expect(JSON.parse(entry.details)).toEqual({ ended: 2 });
  });

  it('releasing one device ends only that activation, audited, and its page hears activation.revoked', async () => {
    const { world, stream, license, activations, admin, detailPath } = await setUp();
    const [first, second] = activations as [number, number];
    const page = await admin.get(detailPath);
    const res = await admin.post(`${detailPath}/aktivasi/${first}/lepas`, {}, { csrf: csrfOf(page.body) });
    expect(location(res)).toBe(`${detailPath}?pesan=aktivasi-lepas`);
    const event = await stream.nextEvent('activation.revoked', WAIT);
    expect(JSON.parse(event.data ?? '')).toMatchObject({ activationId: first, reason: 'deactivated' });
    expect((await liveActivations(world, license.id)).map((a) => a.id)).toEqual([second]);
    const entry = await expectAudited(world, 'license.release_activation', {
      actorId: adminId,
      ip: IP,
      target: ['license', license.id],
    });
    expect(JSON.parse(entry.details)).toMatchObject({ activation: first, name: 'Laptop A' });
    // Again: already ended, nothing audited twice.
    const again = await admin.post(`${detailPath}/aktivasi/${first}/lepas`, {}, { csrf: csrfOf(page.body) });
    expect(location(again)).toBe(`${detailPath}?pesan=gagal`);
    expect(
      await world.database.db
        .selectFrom('audit_log')
        .select('id')
        .where('action', '=', 'license.release_activation')
        .execute(),
    ).toHaveLength(1);
  });

  it("an activation of another license is not found through this license's URL", async () => {
    const { world, activations, admin } = await setUp();
    const other = await buyLicense(world, 'Tiga Perangkat', BUDI);
    const page = await admin.get(`/admin/lisensi/${other.id}`);
    const res = await admin.post(
      `/admin/lisensi/${other.id}/aktivasi/${activations[0]}/lepas`,
      {},
      {
        csrf: csrfOf(page.body),
      },
    );
    expect(res.statusCode).toBe(404);
    expect(
      await world.database.db
        .selectFrom('audit_log')
        .select('id')
        .where('action', '=', 'license.release_activation')
        .execute(),
    ).toEqual([]);
  });
});
