import { describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/db/index.js';
import { buyLicense, LICENSE_RULES, licenseApi, liveActivations } from '../helpers/license-world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const RACERS = 12;

describe.each(DIALECTS)('activations racing for the last slot (%s)', (dialect) => {
  const openWorld = worldPerTest(dialect);
  const open = () => openWorld({ PRODUCT_RULES: LICENSE_RULES, LICENSE_API_MAX_PER_IP: '1000' });

  const race = (world: Awaited<ReturnType<typeof open>>, key: string, fingerprints: string[]) =>
    Promise.all(
      fingerprints.map((fingerprint, i) => licenseApi(world, 'activate', { key, fingerprint }, `10.0.0.${i + 1}`)),
    );

  it('exactly one of many devices gets the last free slot; the others get 409', async () => {
    const world = await open();
    const { id, key } = await buyLicense(world, 'Tiga Perangkat');
    for (const fp of ['kept-1', 'kept-2'])
      expect((await licenseApi(world, 'activate', { key, fingerprint: fp })).statusCode).toBe(201);
    const answers = await race(
      world,
      key,
      Array.from({ length: RACERS }, (_, i) => `racer-${i}`),
    );
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(RACERS - 1);
    const live = await liveActivations(world, id);
    expect(live).toHaveLength(3);
    expect(new Set(live.map((a) => a.slot))).toEqual(new Set([1, 2, 3]));
  });

  it('a one-device license activated by many devices at once has exactly one activation', async () => {
    const world = await open();
    const { id, key } = await buyLicense(world, 'Satu Perangkat');
    const answers = await race(
      world,
      key,
      Array.from({ length: RACERS }, (_, i) => `racer-${i}`),
    );
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    expect(await liveActivations(world, id)).toHaveLength(1);
  });

  it('under the takeover policy every racer takes over in turn and one activation remains', async () => {
    const world = await open();
    const { id, key } = await buyLicense(world, 'Ambil Alih');
    const answers = await race(
      world,
      key,
      Array.from({ length: RACERS }, (_, i) => `racer-${i}`),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(RACERS).fill(201));
    expect(await liveActivations(world, id)).toHaveLength(1);
    const ended = await world.database.db
      .selectFrom('license_activations')
      .select('revoked_reason')
      .where('license_id', '=', id)
      .where('revoked_at', 'is not', null)
      .execute();
    expect(ended.map((r) => r.revoked_reason)).toEqual(Array(RACERS - 1).fill('takeover'));
  });

  it('the same device activating twice at once gets one activation', async () => {
    const world = await open();
    const { id, key } = await buyLicense(world, 'Tiga Perangkat');
    const answers = await race(world, key, Array(6).fill('same-device'));
    expect(new Set(answers.map((a) => a.json().activation.id)).size).toBe(1);
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    expect(await liveActivations(world, id)).toHaveLength(1);
  });

  it('the database itself refuses a second live holder of a slot (whatever code writes it)', async () => {
    const world = await open();
    const { id } = await buyLicense(world, 'Satu Perangkat');
    const row = (fingerprint_hash: string) => ({
      license_id: id,
      slot: 1,
      fingerprint_hash,
      name: 'x',
      created_at: 1,
      last_validated_at: 1,
      revoked_at: null,
      revoked_reason: null,
    });
    await world.database.db
      .insertInto('license_activations')
      .values(row('a'.repeat(64)))
      .execute();
    const second = await world.database.db
      .insertInto('license_activations')
      .values(row('b'.repeat(64)))
      .execute()
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(isUniqueViolation(second)).toBe(true);
    // A revoked holder frees the slot.
    await world.database.db
      .updateTable('license_activations')
      .set({ revoked_at: 2, revoked_reason: 'reset' })
      .execute();
    await world.database.db
      .insertInto('license_activations')
      .values(row('b'.repeat(64)))
      .execute();
  });
});
