import { readdirSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/db/index.js';
import type { Workspace } from '../helpers/gerbang-process.js';
import { createWorkspace } from '../helpers/gerbang-process.js';
import { payment } from '../helpers/lynk.js';
import { CLUSTER_ENV, postLynkTo } from '../helpers/scale/cluster.js';

const MIGRATIONS = new URL('../../src/db/migrations/', import.meta.url);

/**
 * Upgrades without downtime and rollbacks without a restore: migrations only expand (a table, an
 * index, a nullable column), so the version before an upgrade runs on the upgraded schema — during
 * a rolling upgrade both run at once, and rolling back is installing the old version again.
 */
describe('expand-only migrations', () => {
  let ws: Workspace | undefined;
  afterEach(async () => {
    await ws?.close();
    ws = undefined;
  });

  it('no migration drops, renames or retypes anything a running older version reads', () => {
    const contracting =
      /\b(dropTable|dropColumn|renameColumn|renameTo|alterColumn|modifyColumn)\b|\bdrop\s+(table|column)\b|\brename\s+(to|column)\b/i;
    const offenders = readdirSync(MIGRATIONS)
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => contracting.test(readFileSync(new URL(file, MIGRATIONS), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('this version runs on a schema migrated by a newer one: it starts, says so, and processes payments', async () => {
    ws = await createWorkspace('postgres');
    const env = { ...CLUSTER_ENV, PRODUCT_RULES: '[{"uuid":"prod-ebook","action":"license"}]' };
    expect((await ws.run(['migrate', '--create'], env)).code).toBe(0);
    // What the next version's expand migration does: a table, a nullable column, its record.
    const loaded = loadConfig({ ...ws.env, ...env }, ws.dir);
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    const database = openDatabase(loaded.config.database, { poolSize: 1 });
    try {
      await sql`create table future_things (id serial primary key, note text)`.execute(database.db);
      await sql`alter table webhook_events add column future_note text`.execute(database.db);
      await sql`alter table orders add column future_flag integer default 0`.execute(database.db);
      await sql`insert into kysely_migration (name, timestamp) values ('9999-next-version', ${new Date().toISOString()})`.execute(
        database.db,
      );
    } finally {
      await database.close();
    }

    const migrate = await ws.run(['migrate'], env);
    expect(migrate.code, migrate.stderr).toBe(0);
    const server = await ws.serve(env);
    expect(server.output().stdout).toContain('database has migrations of a newer version');
    const answer = await postLynkTo(server.url, payment({ email: 'versi-lama@example.com' }));
    expect(answer).toMatchObject({ status: 200, json: { outcome: 'processed', duplicate: false } });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const doctor = await ws.run(['doctor', '--no-delivery'], env);
    expect(doctor.stdout).toContain('memuat migrasi versi lebih baru: 9999-next-version');
  }, 40_000);
});
