import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { resetActivations, revokeLicense } from '../../src/licenses/index.js';
import { addMember, cookieHeader, PASSWORD, TestDevice } from '../helpers/auth.js';
import { buyLicense, LICENSE_RULES, licenseApi, licenseDeps } from '../helpers/license-world.js';
import { SseConnection } from '../helpers/sse-client.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const BUDI = 'budi@example.com';

describe.each(DIALECTS)('license revocations reach the member stream (%s)', (dialect) => {
  const openWorld = worldPerTest(dialect, (w) => addMember(w, BUDI));
  const connections: SseConnection[] = [];
  afterEach(() => {
    for (const c of connections.splice(0)) c.close();
  });

  /** Budi signed in with an open stream, and a license bought with his email typed in capitals. */
  const setUp = async (product: 'Ambil Alih' | 'Tiga Perangkat') => {
    const world: World = await openWorld({ PRODUCT_RULES: LICENSE_RULES });
    await world.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (world.app.server.address() as AddressInfo).port;
    const device = new TestDevice(world.app);
    expect((await device.login(BUDI, PASSWORD)).statusCode).toBe(303);
    const stream = await SseConnection.open(port, '/api/realtime/stream', { cookie: cookieHeader(device.cookies) });
    connections.push(stream);
    await stream.connected();
    const license = await buyLicense(world, product, 'Budi@Example.COM');
    return { world, stream, license };
  };

  it('a takeover by another device sends activation.revoked for the old activation', async () => {
    const { world, stream, license } = await setUp('Ambil Alih');
    const old = (await licenseApi(world, 'activate', { key: license.key, fingerprint: 'A' })).json().activation.id;
    world.runtime.advance(1000);
    expect((await licenseApi(world, 'activate', { key: license.key, fingerprint: 'B' })).statusCode).toBe(201);
    const event = await stream.nextEvent('activation.revoked');
    expect(JSON.parse(event.data ?? '')).toEqual({
      type: 'activation.revoked',
      licenseId: license.id,
      activationId: old,
      reason: 'takeover',
      at: world.runtime.now(),
      message: 'Lisensi ini sekarang digunakan di perangkat lain. Akses di perangkat ini ditutup.',
    });
    // The session itself goes on: the stream stays open for the next event.
    expect(stream.endedByServer).toBe(false);
  });

  it('revoking the license sends license.revoked; resetting sends one activation.revoked per device', async () => {
    const { world, stream, license } = await setUp('Tiga Perangkat');
    const ids: number[] = [];
    for (const fp of ['A', 'B'])
      ids.push((await licenseApi(world, 'activate', { key: license.key, fingerprint: fp })).json().activation.id);
    expect(await resetActivations(licenseDeps(world), license.id, CLI_ACTOR)).toBe(2);
    const resets = await stream.waitFor((f) => f.filter((x) => x.event === 'activation.revoked').length === 2);
    expect(
      resets.filter((f) => f.event === 'activation.revoked').map((f) => JSON.parse(f.data ?? '').activationId),
    ).toEqual(ids);

    await licenseApi(world, 'activate', { key: license.key, fingerprint: 'C' });
    expect(await revokeLicense(licenseDeps(world), license.id, CLI_ACTOR, 'refund')).toEqual({ ok: true });
    const event = await stream.nextEvent('license.revoked');
    expect(JSON.parse(event.data ?? '')).toMatchObject({
      type: 'license.revoked',
      licenseId: license.id,
      reason: 'refund',
      message: 'Lisensi ini dicabut. Akses ke produk ditutup.',
    });
    // The license's own event says it all: no per-activation event besides.
    expect(stream.events('activation.revoked')).toHaveLength(2);
  });
});
