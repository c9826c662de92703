import { describe, expect, it } from 'vitest';
import { addMember, PASSWORD, TestDevice } from '../helpers/auth.js';
import { buyLicense, LICENSE_RULES, licenseApi, liveActivations } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const BUDI = 'budi@example.com';

describe.each(DIALECTS)('what the public license API refuses (%s)', (dialect) => {
  const open = worldPerTest(dialect, (w) => addMember(w, BUDI));

  /** The rows of the license API's counters (shared between instances on PostgreSQL only). */
  const counterRows = async (world: World) =>
    (await world.database.db.selectFrom('rate_limits').select('key').where('key', 'like', 'license-api:%').execute())
      .length;

  it('refused requests write no counters, however many addresses and keys they name', async () => {
    const world = await open({ LICENSE_API_MAX_PER_IP: '5', LICENSE_API_MAX_PER_KEY: '3' });
    const { key } = await buyLicense(world, 'Satu Perangkat');
    // Allowed: one IP trying five keys, three IPs validating one key.
    for (let i = 0; i < 5; i++)
      expect((await licenseApi(world, 'validate', { key: `KEI-GUES-${i}` }, '192.0.2.1')).statusCode).toBe(200);
    for (let i = 1; i <= 3; i++)
      expect((await licenseApi(world, 'validate', { key }, `198.51.100.${i}`)).statusCode).toBe(200);
    // Refused: that IP goes on with new keys, new IPs try the exhausted key, others send nonsense.
    for (let i = 0; i < 100; i++)
      expect((await licenseApi(world, 'validate', { key: `KEI-MORE-${i}` }, '192.0.2.1')).statusCode).toBe(429);
    for (let i = 0; i < 100; i++)
      expect((await licenseApi(world, 'validate', { key }, `203.0.113.${i}`)).statusCode).toBe(429);
    for (let i = 0; i < 100; i++)
      expect((await licenseApi(world, 'validate', { key: 5 }, `10.1.0.${i}`)).statusCode).toBe(400);
    // Closing merges whatever this instance still holds.
    await world.app.close();
    // On PostgreSQL the allowed ones only: 4 IPs and 6 keys. SQLite keeps its counters in memory.
    expect(await counterRows(world)).toBe(dialect === 'postgres' ? 10 : 0);
  });

  it("a refused field is named in an Indonesian message, with none of the validator's English", async () => {
    const world = await open({ PRODUCT_RULES: LICENSE_RULES });
    for (const action of ['activate', 'validate', 'deactivate'] as const) {
      const res = await licenseApi(world, action, { key: { a: 1 }, fingerprint: ['x'] });
      expect(res.statusCode, action).toBe(400);
      const { message } = res.json().error as { message: string };
      expect(message, action).toMatch(/key: \S/);
      expect(message, action).not.toMatch(/→|✖|\bat key\b|expected|received/i);
    }
  });

  it('a body that is not UTF-8, or is compressed, is refused as such, not read half-way', async () => {
    const world = await open({ PRODUCT_RULES: LICENSE_RULES });
    const license = await buyLicense(world, 'Tiga Perangkat', BUDI);
    const raw = (payload: Buffer, headers: Record<string, string> = {}) =>
      world.app.inject({
        method: 'POST',
        url: '/api/licenses/validate',
        headers: { 'content-type': 'application/json', ...headers },
        payload,
      });
    const notUtf8 = await raw(
      Buffer.concat([Buffer.from('{"key":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]),
    );
    expect(notUtf8.statusCode).toBe(400);
    expect(notUtf8.json().error).toMatchObject({ code: 'INVALID_JSON', message: 'Body bukan JSON yang valid.' });
    const gzip = await raw(Buffer.from(JSON.stringify({ key: license.key })), { 'content-encoding': 'gzip' });
    expect(gzip.statusCode).toBe(415);
    expect(gzip.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    // The same key as plain UTF-8 JSON (a name with non-ASCII letters too) is read as ever.
    const fine = await raw(Buffer.from(JSON.stringify({ key: license.key, name: 'Laptop Dewi — kantor' })), {
      'content-encoding': 'identity',
    });
    expect(fine.statusCode).toBe(200);
    expect(fine.json()).toMatchObject({ valid: true });
    const poisoned = await raw(Buffer.from('{"key":"x","__proto__":{"admin":true}}'));
    expect(poisoned.statusCode).toBe(400);
  });

  it("a member browser's fingerprint namespace is not the public API's to use", async () => {
    const world = await open({ PRODUCT_RULES: LICENSE_RULES });
    const license = await buyLicense(world, 'Tiga Perangkat', BUDI);
    const budi = new TestDevice(world.app);
    expect((await budi.login(BUDI, PASSWORD)).statusCode).toBe(303);
    expect((await budi.post(`/member/produk/${license.id}/buka`, {})).statusCode).toBe(303);
    const [browser] = await liveActivations(world, license.id);
    const device = await world.database.db.selectFrom('devices').select('id').executeTakeFirstOrThrow();
    const fingerprint = `gerbang-member-device:${device.id}`;

    for (const action of ['activate', 'validate', 'deactivate'] as const) {
      const res = await licenseApi(world, action, { key: license.key, fingerprint });
      expect(res.statusCode, action).toBe(400);
      expect(res.json().error, action).toMatchObject({ code: 'INVALID_PAYLOAD' });
    }
    expect(await liveActivations(world, license.id)).toEqual([browser]);
    // Validation without a fingerprint still works and names no device.
    const plain = await licenseApi(world, 'validate', { key: license.key });
    expect(plain.json()).toMatchObject({ valid: true, activation: null });
  });
});
