import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/index.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { LicenseApiLimiter, sharedCountersFor } from '../../src/licenses/api-rate-limit.js';
import { createPostgresSchema, postgresAvailable } from '../helpers/postgres.js';
import { migrateFromTemplate } from '../helpers/world.js';

const limits = { windowMs: 60_000, maxPerIp: 1000, maxPerKey: 5 };
const KEY = 'KEI-7G2K-QX9D-M4TB-0ZRH';

describe.runIf(await postgresAvailable())('license API limits across instances (postgres)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Two instances: two connection pools on one schema, each with its own limiter. */
  async function twoInstances() {
    const schema = await createPostgresSchema();
    cleanups.push(schema.drop);
    await migrateFromTemplate(schema.url);
    const handles: DatabaseHandle[] = [];
    for (let i = 0; i < 2; i++) {
      const handle = openDatabase({ kind: 'postgres', url: schema.url }, { poolSize: 2 });
      cleanups.push(() => handle.close());
      handles.push(handle);
    }
    const [one, two] = handles as [DatabaseHandle, DatabaseHandle];
    await migrateToLatest(one.db, 'postgres');
    const errors: unknown[] = [];
    const limiter = (h: DatabaseHandle) =>
      new LicenseApiLimiter(limits, sharedCountersFor(h.db, 'postgres'), (e) => errors.push(e));
    return { one, a: limiter(one), b: limiter(two), errors };
  }

  it('each instance decides on the sum of both instances’ hits once they merged', async () => {
    const { one, a, b, errors } = await twoInstances();
    const now = 120_000; // the start of a window
    for (let i = 0; i < 3; i++) expect(a.consume('10.0.0.1', KEY, now)).toMatchObject({ ok: true });
    await a.merge();
    for (let i = 0; i < 2; i++) expect(b.consume('10.0.0.2', KEY, now + 1)).toMatchObject({ ok: true });
    await b.merge();
    // B now knows of A's 3: a sixth request for the key is one too many, on either instance.
    expect(b.consume('10.0.0.2', KEY, now + 2)).toMatchObject({
      ok: false,
      retryAfterMs: 59_998,
      firstRefusals: ['key'],
      quota: { limit: 5, remaining: 0 },
    });
    expect(a.consume('10.0.0.1', KEY, now + 3)).toMatchObject({ ok: true }); // A has not heard yet
    await a.merge();
    expect(a.consume('10.0.0.1', KEY, now + 4)).toMatchObject({ ok: false });
    expect(errors).toEqual([]);
    // The shared table holds a digest of the key, never the key itself.
    const rows = await one.db.selectFrom('rate_limits').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(KEY);
    expect(rows.find((r) => r.key.startsWith('license-api:key:'))?.count).toBe(6);
  });

  it('a new window starts over for everyone; a late merge of an older window changes nothing', async () => {
    const { one, a, b } = await twoInstances();
    for (let i = 0; i < 6; i++) a.consume('10.0.0.1', KEY, 60_000);
    expect(b.consume('10.0.0.2', KEY, 120_000)).toMatchObject({ ok: true });
    await b.merge();
    await a.merge(); // A's hits belong to the window that ended
    const row = await one.db
      .selectFrom('rate_limits')
      .selectAll()
      .where('key', 'like', 'license-api:key:%')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ window_started_at: 120_000, count: 1 });
  });

  it('an idle limiter runs no statement', async () => {
    const { one, a } = await twoInstances();
    const before = one.stats.queries;
    await a.merge();
    expect(one.stats.queries).toBe(before);
  });
});

describe('license API limits on SQLite', () => {
  it('stay in memory: one server process owns the database file', () => {
    expect(sharedCountersFor({} as never, 'sqlite')).toBeNull();
  });
});
