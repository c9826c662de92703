import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import type { StartTouchWorker } from '../../src/licenses/index.js';
import { poolTouchWriter, workerTouchWriter } from '../../src/licenses/touch-writer.js';
import { buyLicense, LICENSE_RULES, licenseApi, liveActivations } from '../helpers/license-world.js';
import { startSourceTouchWorker } from '../helpers/touch-worker.js';
import type { World } from '../helpers/world.js';
import { worldPerTest } from '../helpers/world.js';

/** The thread the server starts beside its bundle (`npm run build`, run before the suite). */
const BUILT_WORKER = new URL('../../dist/touch-worker.js', import.meta.url);
const startBuiltTouchWorker: StartTouchWorker = (workerData) => new Worker(BUILT_WORKER, { workerData });

/** A license activated on two devices, and its two activations, oldest first. */
async function twoActivations(world: World) {
  const { id, key } = await buyLicense(world, 'Tiga Perangkat');
  for (const fingerprint of ['a', 'b'])
    expect((await licenseApi(world, 'activate', { key, fingerprint })).statusCode).toBe(201);
  const [a, b] = (await liveActivations(world, id)).sort((x, y) => x.id - y.id);
  if (!a || !b) throw new Error('two activations expected');
  return { id, a, b };
}

describe.each([
  ['the built dist/touch-worker.js', startBuiltTouchWorker],
  ['its TypeScript source', startSourceTouchWorker],
] as const)('SQLite "last validated" writes in a worker thread: %s', (_name, startWorker) => {
  const open = worldPerTest('sqlite');

  it('moves each time forward only, one row per id, on a connection of its own, and closes', async () => {
    expect(existsSync(fileURLToPath(BUILT_WORKER)), 'run `npm run build` first').toBe(true);
    const world = await open({ PRODUCT_RULES: LICENSE_RULES });
    const { id, a, b } = await twoActivations(world);
    const database = world.config.database;
    if (database.kind !== 'sqlite') throw new Error('sqlite expected');
    const writer = workerTouchWriter(database.file, 'NORMAL', startWorker);
    const later = a.last_validated_at + 60_000;
    // Each id with a time of its own; ids that name no activation change nothing.
    const many = new Map([
      [a.id, later],
      ...Array.from({ length: 700 }, (_, i) => [1_000_000 + i, later + i] as const),
    ]);
    await writer.write(many);
    // An older time never moves a newer one back.
    await writer.write(
      new Map([
        [a.id, later - 30_000],
        [b.id, later - 30_000],
      ]),
    );
    await writer.close();
    const after = new Map((await liveActivations(world, id)).map((row) => [row.id, row.last_validated_at]));
    expect(after.get(a.id)).toBe(later);
    expect(after.get(b.id)).toBe(later - 30_000);
  });
});

describe('PostgreSQL "last validated" writes on the pool', () => {
  const open = worldPerTest('postgres');

  it('writes 5,000 activations of different times in one statement, forward only', async () => {
    const world = await open({ PRODUCT_RULES: LICENSE_RULES });
    const { id, a, b } = await twoActivations(world);
    // A connection of the writer's own: the app's background work cannot add to its statement count.
    const own = openDatabase(world.config.database);
    onTestFinished(() => own.close());
    const writer = poolTouchWriter(own.db);
    const later = a.last_validated_at + 60_000;
    // A validation a millisecond: every touch has its own time, yet the batch is one UPDATE.
    const touches = new Map([
      [a.id, later],
      [b.id, later + 1],
      ...Array.from({ length: 4998 }, (_, i) => [1_000_000 + i, later + 2 + i] as const),
    ]);
    const before = own.stats.queries;
    await writer.write(touches);
    // begin, the update, commit.
    expect(own.stats.queries - before).toBe(3);
    await writer.write(new Map([[a.id, later - 30_000]]));
    const after = new Map((await liveActivations(world, id)).map((row) => [row.id, row.last_validated_at]));
    expect(after.get(a.id)).toBe(later);
    expect(after.get(b.id)).toBe(later + 1);
  });
});
