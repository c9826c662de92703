import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPpobPage } from '../../src/ppob/index.js';
import { expectIndexed, PlanRecorder } from '../helpers/query-plans.js';

describe('the console PPOB list at 200,000 transactions uses indexes (SQLite)', () => {
  let recorder: PlanRecorder;
  let raw: PlanRecorder['raw'];
  let db: PlanRecorder['db'];

  beforeAll(async () => {
    recorder = await PlanRecorder.onFreshWorld();
    raw = recorder.raw;
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
    db = recorder.db;
  }, 600_000);
  afterAll(async () => {
    await recorder?.close();
  });

  const plans = (run: () => Promise<unknown>) => recorder.plans(run);

  it.each([
    ['first page', () => listPpobPage(db, {})],
    ['page 2000', () => listPpobPage(db, { before: 100_000 })],
    ['unknown (needs reconciliation)', () => listPpobPage(db, { status: 'unknown' })],
    ['by customer number, Hesda id or member email', () => listPpobPage(db, { search: 'm77@example.com' })],
    ['by customer number', () => listPpobPage(db, { search: '0810001234', status: 'success' })],
  ])('%s', async (_name, run) => {
    expectIndexed(await plans(run));
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
