import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { LicenseJwk, StartSigningWorker } from '../../src/licenses/index.js';
import { verifyLicenseToken } from '../../src/licenses/index.js';
import { licenseByKey, licenseLookup } from '../../src/licenses/lookup.js';
import { buyLicense, LICENSE_RULES, licenseApi } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS, worldPerTest } from '../helpers/world.js';

/** The key set as an app fetches it. */
async function publishedKeys(world: World): Promise<LicenseJwk[]> {
  return (await world.app.inject({ url: '/.well-known/gerbang-license-keys.json' })).json().keys;
}

async function activated(world: World, fingerprints: string[]) {
  const { key } = await buyLicense(world, 'Tiga Perangkat');
  const ids: number[] = [];
  for (const fingerprint of fingerprints) {
    const res = await licenseApi(world, 'activate', { key, fingerprint, name: `Kasir ${fingerprint}` });
    expect(res.statusCode).toBe(201);
    ids.push(res.json().activation.id);
  }
  return { key, ids };
}

describe.each(DIALECTS)('the validate endpoint (%s)', (dialect) => {
  const open = worldPerTest(dialect);

  it('answers every field of a valid answer, with and without a device', async () => {
    const world = await open({ PRODUCT_RULES: LICENSE_RULES });
    const { key, ids } = await activated(world, ['A']);
    const at = new Date(world.runtime.now()).toISOString();
    const res = await licenseApi(world, 'validate', { key, fingerprint: 'A' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({
      valid: true,
      code: 'VALID',
      message: 'Lisensi valid.',
      license: { expires_at: null, max_devices: 3, activations_used: 1 },
      activation: { id: ids[0], name: 'Kasir A', created_at: at, last_validated_at: at },
      token: expect.stringMatching(/^ey[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    expect((await licenseApi(world, 'validate', { key })).json()).toEqual({
      valid: true,
      code: 'VALID',
      message: 'Lisensi valid.',
      license: { expires_at: null, max_devices: 3, activations_used: 1 },
      activation: null,
      token: null,
    });
  });

  it('many validations at once all get a token that verifies, for their own device', async () => {
    const world = await open({ PRODUCT_RULES: LICENSE_RULES, LICENSE_API_MAX_PER_KEY: '1000' });
    const devices = ['A', 'B', 'C'];
    const { key, ids } = await activated(world, devices);
    const answers = await Promise.all(
      Array.from({ length: 90 }, (_, i) => licenseApi(world, 'validate', { key, fingerprint: devices[i % 3] })),
    );
    const keys = await publishedKeys(world);
    for (const [i, res] of answers.entries()) {
      expect(res.json()).toMatchObject({ valid: true, activation: { id: ids[i % 3] } });
      const check = verifyLicenseToken(res.json().token, keys, world.runtime.now());
      if (!check.ok) throw new Error(`token ${i} does not verify: ${check.code}`);
      expect(check.claims).toMatchObject({ key, fingerprint: devices[i % 3], activation_id: ids[i % 3] });
    }
  });

  it('a known and an unknown key cost one statement each, the same one', async () => {
    const world = await open({ PRODUCT_RULES: LICENSE_RULES });
    const { key } = await activated(world, ['A']);
    // The first validation notes "last validated"; that write is not the look-up's.
    await licenseApi(world, 'validate', { key, fingerprint: 'A' });
    const statements = async (body: object) => {
      const before = world.database.stats.queries;
      const res = await licenseApi(world, 'validate', body);
      expect(res.statusCode).toBe(200);
      return world.database.stats.queries - before;
    };
    expect(await statements({ key, fingerprint: 'A' })).toBe(1);
    expect(await statements({ key, fingerprint: 'Z' })).toBe(1);
    expect(await statements({ key: 'KEI-0000-0000-0000-0000', fingerprint: 'A' })).toBe(1);
  });
});

const helperWorker =
  (name: string): StartSigningWorker =>
  () =>
    new Worker(new URL(`../helpers/signing-workers/${name}.mjs`, import.meta.url));

describe('the validate endpoint when signing fails', () => {
  async function withWorld(name: string, test: (world: World) => Promise<void>) {
    const world = await createWorld(
      'sqlite',
      { PRODUCT_RULES: LICENSE_RULES },
      { startSigningWorker: helperWorker(name) },
    );
    try {
      await test(world);
    } finally {
      await world.close();
    }
  }

  it('a signature that fails costs the token, not the answer', () =>
    withWorld('refusing', async (world) => {
      const { key } = await activated(world, ['A']);
      const res = await licenseApi(world, 'validate', { key, fingerprint: 'A' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ valid: true, code: 'VALID', token: null });
    }));

  it('a signing thread that dies still leaves every answer its token', () =>
    withWorld('dying', async (world) => {
      const { key } = await activated(world, ['A', 'B']);
      const answers = await Promise.all(
        ['A', 'B', 'A', 'B'].map((fingerprint) => licenseApi(world, 'validate', { key, fingerprint })),
      );
      const keys = await publishedKeys(world);
      for (const res of answers)
        expect(verifyLicenseToken(res.json().token, keys, world.runtime.now())).toMatchObject({ ok: true });
    }));
});

describe('the SQLite look-up', () => {
  const open = worldPerTest('sqlite');

  it('runs the statement Kysely compiles, prepared once, and finds what licenseByKey finds', async () => {
    const world = await open({ PRODUCT_RULES: LICENSE_RULES });
    const { key } = await activated(world, ['A', 'B']);
    const prepareRead = world.database.prepareRead;
    if (!prepareRead) throw new Error('SQLite has prepared reads');
    const prepared: string[] = [];
    const lookup = licenseLookup(world.database.db, (sql) => {
      prepared.push(sql);
      return prepareRead(sql);
    });
    for (const probe of [key, 'KEI-0000-0000-0000-0000'])
      expect(await lookup(probe)).toEqual(await licenseByKey(world.database.db, probe));
    expect(prepared).toHaveLength(1);
    expect(prepared[0]).toMatch(/^select .* from "licenses" as "l" left join "license_activations"/);
  });
});
