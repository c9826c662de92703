import { sql } from 'kysely';
import { describe, expect, inject, it } from 'vitest';
import { adminPool, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { createWorld, DIALECTS, memberRow } from '../helpers/world.js';
import { settleWorldDrops } from '../helpers/world-drops.js';

/** The schema a PostgreSQL world's DATABASE_URL pins. */
function schemaOf(url: string): string {
  const schema = /search_path=(t_[0-9a-f]+)$/.exec(new URL(url).searchParams.get('options') ?? '')?.[1];
  if (!schema) throw new Error(`no schema in ${url}`);
  return schema;
}

async function schemaExists(schema: string): Promise<boolean> {
  const { rows } = await adminPool(TEST_DATABASE_URL).query('select 1 from pg_namespace where nspname = $1', [schema]);
  return rows.length === 1;
}

async function openWorld() {
  const world = await createWorld('postgres');
  if (world.config.database.kind !== 'postgres') throw new Error('postgres expected');
  return { world, schema: schemaOf(world.config.database.url) };
}

describe.each(DIALECTS.filter((d) => d === 'postgres'))('PostgreSQL world schemas are used again (%s)', () => {
  it('a closed world’s schema comes back empty, its sequences at 1, its migrations intact', async () => {
    const first = await openWorld();
    expect(first.schema.startsWith(`t_${inject('worldRunId')}`)).toBe(true);
    await first.world.database.db
      .insertInto('members')
      .values([memberRow('a@example.com'), memberRow('b@example.com')])
      .execute();
    await first.world.close();
    await settleWorldDrops();

    const second = await openWorld();
    try {
      expect(second.schema).toBe(first.schema);
      const db = second.world.database.db;
      expect(await db.selectFrom('members').select('id').execute()).toEqual([]);
      const inserted = await db.insertInto('members').values(memberRow('c@example.com')).returning('id').execute();
      expect(inserted).toEqual([{ id: 1 }]);
      const migrations = await sql<{ n: string }>`select count(*) as n from kysely_migration`.execute(db);
      expect(Number(migrations.rows[0]?.n)).toBeGreaterThan(10);
    } finally {
      await second.world.close();
      await settleWorldDrops();
    }
  });

  it('a schema a test changed (a trigger, an index, a migration row) is dropped, not used again', async () => {
    const changes = [
      sql`create index members_name_test_idx on members (name)`,
      sql`create function refuse() returns trigger language plpgsql as $$ begin raise exception 'no'; end $$`,
      sql`delete from kysely_migration where name = (select max(name) from kysely_migration)`,
    ];
    for (const change of changes) {
      const { world, schema } = await openWorld();
      await change.execute(world.database.db);
      await world.close();
      await settleWorldDrops();
      expect(await schemaExists(schema)).toBe(false);
      const next = await openWorld();
      expect(next.schema).not.toBe(schema);
      await next.world.close();
      await settleWorldDrops();
    }
  });
});
