import SqliteDatabase from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPpobPage } from '../../src/admin/ppob-service.js';
import type { Database } from '../../src/db/index.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

describe('the console PPOB list at 200,000 transactions uses indexes (SQLite)', () => {
  let world: World;
  let raw: SqliteDatabase.Database;
  let db: Kysely<Database>;
  const captured: CompiledQuery[] = [];

  beforeAll(async () => {
    world = await createWorld('sqlite');
    if (world.config.database.kind !== 'sqlite') throw new Error('sqlite expected');
    raw = new SqliteDatabase(world.config.database.file);
    // One transaction in 50 unknown (waiting for reconciliation), one member per 20 transactions.
    raw.exec(`begin;
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 10000)
      insert into members (email, username, name, phone, role, status, password_hash, created_at, updated_at)
      select 'm' || i || '@example.com', 'm' || i || '@example.com', '', '', 'member', 'active', 'x', i, i from n;
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 200000)
      insert into ppob_transactions (idempotency_key, hesda_transaction_id, member_id, product_code, product_name, customer_no, status, created_at, updated_at)
      select 'k' || i, case when i % 50 = 0 then null else 'HSD-' || i end, (i % 10000) + 1, 'XXL5', '', '08' || (10000000 + i % 150000),
        case when i % 50 = 0 then 'unknown' when i % 7 = 0 then 'failed' else 'success' end, i, i from n;
      commit; analyze;`);
    db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new SqliteDatabase(world.config.database.file) }),
      log: (event) => {
        if (event.level === 'query') captured.push(event.query);
      },
    });
  }, 600_000);
  afterAll(async () => {
    await db?.destroy();
    raw?.close();
    await world?.close();
  });

  const plans = async (run: () => Promise<unknown>): Promise<string[]> => {
    captured.length = 0;
    await run();
    expect(captured.length).toBeGreaterThan(0);
    return captured.flatMap((q) =>
      (raw.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as { detail: string }[]).map(
        (r) => r.detail,
      ),
    );
  };

  it.each([
    ['first page', () => listPpobPage(db, {})],
    ['page 2000', () => listPpobPage(db, { before: 100_000 })],
    ['unknown (needs reconciliation)', () => listPpobPage(db, { status: 'unknown' })],
    ['by customer number, Hesda id or member email', () => listPpobPage(db, { search: 'm77@example.com' })],
    ['by customer number', () => listPpobPage(db, { search: '0810001234', status: 'success' })],
  ])('%s', async (_name, run) => {
    const plan = await plans(run);
    expect(
      plan.filter((line) => /^SCAN /.test(line)),
      plan.join('\n'),
    ).toEqual([]);
    expect(plan.some((line) => line.startsWith('SEARCH '))).toBe(true);
  });

  it('the search answers correctly at this size', async () => {
    const byMember = await listPpobPage(db, { search: 'M77@example.com' });
    expect(byMember.rows).toHaveLength(20);
    expect(byMember.rows.every((r) => r.member_email === 'm77@example.com')).toBe(true);
    expect(byMember.next).toBeNull();
    expect((await listPpobPage(db, { search: 'HSD-4321' })).rows.map((r) => r.id)).toEqual([4321]);
    const customer = await listPpobPage(db, { search: '0810001234' });
    expect(customer.rows.map((r) => r.id)).toEqual([151234, 1234]);
    const unknown = await listPpobPage(db, { status: 'unknown' });
    expect(unknown.rows).toHaveLength(50);
    expect(unknown.rows[0]?.id).toBe(200_000);
  });
});
