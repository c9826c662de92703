import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../src/config/index.js';
import type { DatabaseHandle } from '../../src/db/index.js';
import { isDatabaseUnavailable, openDatabase } from '../../src/db/index.js';
import { createPostgresSchema } from '../helpers/postgres.js';
import { DIALECTS } from '../helpers/world.js';

/**
 * The server's bound on waiting for the database (DATABASE_STATEMENT_TIMEOUT_MS), as each dialect
 * applies it; the CLI and migrations open the database without it. A frozen PostgreSQL is in
 * test/resilience/postgres-outage.test.ts.
 */
describe.each(DIALECTS)('the database wait bound (%s)', (dialect) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function target(): Promise<DatabaseConfig> {
    if (dialect === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'gerbang-bounds-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      return { kind: 'sqlite', file: join(dir, 'gerbang.db'), synchronous: 'FULL' };
    }
    const schema = await createPostgresSchema();
    cleanups.push(schema.drop);
    return { kind: 'postgres', url: schema.url };
  }

  function open(config: DatabaseConfig, statementTimeoutMs?: number): DatabaseHandle {
    const handle = openDatabase(config, statementTimeoutMs === undefined ? {} : { statementTimeoutMs });
    cleanups.push(() => handle.close());
    return handle;
  }

  async function setting(handle: DatabaseHandle, name: string): Promise<string> {
    if (dialect === 'sqlite') {
      const rows = await sql<Record<string, number>>`select * from pragma_busy_timeout`.execute(handle.db);
      return String(Object.values(rows.rows[0] ?? {})[0]);
    }
    const rows = await sql<{ value: string }>`select current_setting(${name}) as value`.execute(handle.db);
    return rows.rows[0]?.value ?? '';
  }

  it('the server waits a bounded time; the CLI and migrations keep the old, unbounded statements', async () => {
    const config = await target();
    if (dialect === 'sqlite') {
      // The busy wait blocks the event loop: never longer than 5 s, however large the setting.
      expect(await setting(open(config, 2500), 'busy_timeout')).toBe('2500');
      expect(await setting(open(config, 60_000), 'busy_timeout')).toBe('5000');
      expect(await setting(open(config), 'busy_timeout')).toBe('5000');
      return;
    }
    const bounded = open(config, 2500);
    // The server cancels a little before the client stops listening: a slow statement leaves a healthy connection.
    expect(await setting(bounded, 'statement_timeout')).toBe('2s');
    expect(await setting(bounded, 'idle_in_transaction_session_timeout')).toBe('30s');
    expect(await setting(open(config), 'statement_timeout')).toBe('0');
  });

  it('a wait past the bound fails as "database unavailable" (503), and the handle stays usable', async () => {
    const config = await target();
    if (config.kind === 'sqlite') {
      const handle = open(config, 300);
      await sql`create table probe (n integer)`.execute(handle.db);
      // Another process holds the write lock longer than the busy wait.
      const other = new SqliteDatabase(config.file);
      cleanups.push(() => void other.close());
      other.exec('begin immediate');
      const error = await sql`insert into probe values (1)`.execute(handle.db).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'SQLITE_BUSY' });
      expect(isDatabaseUnavailable(error)).toBe(true);
      other.exec('rollback');
      await sql`insert into probe values (2)`.execute(handle.db);
      return;
    }
    const handle = open(config, 2500);
    const error = await sql`select pg_sleep(5)`.execute(handle.db).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: '57014' });
    expect(isDatabaseUnavailable(error)).toBe(true);
    const after = await sql<{ one: number }>`select 1 as one`.execute(handle.db);
    expect(after.rows).toEqual([{ one: 1 }]);
  });
});
