import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditPage, listEvents, listOutbox, loadOverview, searchMembers } from '../../src/admin/index.js';
import { memberDetail } from '../../src/admin/member-service.js';
import { licenseDetail, searchLicenses } from '../../src/licenses/index.js';
import { payment, postLynk } from '../helpers/lynk.js';
import { expectIndexed, PlanRecorder } from '../helpers/query-plans.js';
import { DIALECTS, memberRow, worldPerTest } from '../helpers/world.js';

describe.each(DIALECTS)('console lists: search and keyset pages (%s)', (dialect) => {
  const open = worldPerTest(dialect, async (w) => {
    const db = w.database.db;
    await db
      .insertInto('members')
      .values([
        { ...memberRow('wulan.sari@example.com'), name: 'Wulan Sari', phone: '081234567890' },
        { ...memberRow('budi@example.com'), name: 'Budi Santoso', phone: '085700001111' },
        { ...memberRow('ahmad@contoh.id'), name: 'Ahmad Budiman', phone: '+6281399' },
        ...Array.from({ length: 120 }, (_, i) => memberRow(`pembeli${String(i).padStart(3, '0')}@example.com`)),
      ])
      .execute();
  });

  it('finds members by the start of email, name or phone, ignoring case; #id finds one member', async () => {
    const world = await open();
    const emails = async (search: string) =>
      (await searchMembers(world.database.db, dialect, { search })).rows.map((m) => m.email).sort();
    expect(await emails('Wulan')).toEqual(['wulan.sari@example.com']);
    expect(await emails('WULAN.SARI@EX')).toEqual(['wulan.sari@example.com']);
    expect(await emails('budi')).toEqual(['budi@example.com']);
    expect(await emails('Ahmad B')).toEqual(['ahmad@contoh.id']);
    expect(await emails('0857')).toEqual(['budi@example.com']);
    expect(await emails('+62')).toEqual(['ahmad@contoh.id']);
    expect(await emails('santoso')).toEqual([]);
    expect(await emails('%')).toEqual([]);
    expect(await emails('#1')).toEqual(['wulan.sari@example.com']);
  });

  it('keyset pages of members are disjoint, newest first, and together the whole list', async () => {
    const world = await open();
    const seen: number[] = [];
    let before: number | undefined;
    let pages = 0;
    for (;;) {
      const page = await searchMembers(world.database.db, dialect, { search: 'pembeli', before, limit: 50 });
      seen.push(...page.rows.map((r) => r.id));
      pages += 1;
      if (page.next === null) break;
      before = page.next;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
  });

  it('licenses are found by key, email or product; events, mails and audit filter and page', async () => {
    const world = await open();
    await postLynk(world.app, payment({ email: 'Budi@Example.com', items: [{ title: 'Kelas Ekspor', uuid: 'k' }] }));
    await postLynk(world.app, payment({ email: 'wulan.sari@example.com', items: [{ title: 'E-book', uuid: 'e' }] }));
    await postLynk(world.app, payment({ email: '', items: [{ title: 'E-book', uuid: 'e' }] }));
    const db = world.database.db;
    const key = (
      await db.selectFrom('licenses').select('license_key').where('product_uuid', '=', 'k').executeTakeFirstOrThrow()
    ).license_key;
    const found = async (search: string) =>
      (await searchLicenses(db, dialect, { search })).rows.map((l) => l.product_title);
    expect(await found(key.slice(0, 8).toLowerCase())).toEqual(['Kelas Ekspor']);
    expect(await found('budi@')).toEqual(['Kelas Ekspor']);
    expect(await found('e-bo')).toEqual(['E-book']);

    expect((await listEvents(db, { outcome: 'failed' })).rows).toHaveLength(1);
    expect((await listEvents(db, { provider: 'lynk', outcome: 'processed' })).rows).toHaveLength(2);
    const firstPage = await listEvents(db, { limit: 2 });
    expect(firstPage.rows).toHaveLength(2);
    const secondPage = await listEvents(db, { limit: 2, before: firstPage.next ?? undefined });
    expect(secondPage).toMatchObject({ next: null });
    expect(secondPage.rows).toHaveLength(1);

    expect((await listOutbox(db, dialect, { status: 'pending' })).rows).toHaveLength(2);
    expect((await listOutbox(db, dialect, { to: 'BUDI' })).rows.map((m) => m.to_address)).toEqual(['budi@example.com']);
    expect((await listAuditPage(db, {})).rows).toEqual([]);
  });

  it("the overview counts today's payments, licenses and members in the seller's time zone", async () => {
    const world = await open();
    // Real sales (Lynk's message ids): simulated payments are no revenue.
    await postLynk(
      world.app,
      payment({ email: 'x@example.com', items: [{ title: 'Daftar Member KEI' }], messageId: 'LYNK_x' }),
    );
    await postLynk(
      world.app,
      payment({
        email: 'y@example.com',
        items: [{ title: 'Kelas', uuid: 'k', qty: 3, price: 1000 }],
        messageId: 'LYNK_y',
      }),
    );
    await postLynk(world.app, payment({ email: '' }));
    const o = await loadOverview(world.database.db, world.runtime.now(), 'Asia/Jakarta');
    // The seeded members were created at t=1 (1970): not today.
    expect(o).toMatchObject({
      paymentsToday: 2,
      licensesToday: 3,
      newMembersToday: 1,
      failedEvents: 1,
      mailsWaiting: 2,
    });
    expect(o.revenueToday).toBe(72000 + 3000);
    // 2026-11-23 05:00 UTC is 12:00 in Jakarta: the day began at 17:00 UTC the day before.
    expect(o.dayStart).toBe(Date.UTC(2026, 10, 22, 17, 0, 0));
  });
});

const BASE = Date.UTC(2026, 8, 1);
const NOW = BASE + 100_001 * 60_000;

describe('console lists at 100,000 members and 1,000,000 events use indexes (SQLite)', () => {
  let recorder: PlanRecorder;
  let raw: PlanRecorder['raw'];
  let db: PlanRecorder['db'];

  beforeAll(async () => {
    recorder = await PlanRecorder.onFreshWorld();
    raw = recorder.raw;
    // Generated in SQL, in one transaction: seconds, not minutes. Rows are a minute apart (members,
    // orders, licenses: ~70 days of history), so "today" is the last 1,440 of them, as in a real shop.
    const t = (i: string) => `(${BASE} + ${i} * 60000)`;
    raw.exec(`begin;
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000)
      insert into members (email, username, name, phone, role, status, password_hash, created_at, updated_at)
      select 'm' || i || '@example.com', 'm' || i || '@example.com', 'Nama ' || i, '08' || (10000000 + i), 'member', 'active', 'x', ${t('i')}, ${t('i')} from n;
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000)
      insert into orders (order_no, transaction_no, provider, external_ref, email, customer_name, phone, grand_total, created_at)
      select 'O' || i, 'T' || i, 'lynk', 'r' || i, 'm' || i || '@example.com', '', '', 1000, ${t('i')} from n;
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000)
      insert into licenses (license_key, order_id, line_no, unit_no, product_uuid, product_title, email, lynk_ref_id, max_devices, status, created_at)
      select 'KEI-' || i, i, 1, 1, 'p', 'Produk ' || (i % 50), 'm' || i || '@example.com', 'r' || i, 1, 'active', ${t('i')} from n;
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000000)
      insert into webhook_events (provider, external_id, received_at, last_received_at, raw_body, signature_valid, outcome, attempts)
      select case when i % 10 = 0 then 'hesda' else 'lynk' end, 'e' || i, i, i, '{}', 1,
        case i % 4 when 0 then 'processed' when 1 then 'ignored' when 2 then 'failed' else 'rejected' end, 1 from n;
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000)
      insert into mail_outbox (dedupe_key, kind, to_address, subject, params, status, attempts, next_attempt_at, created_at)
      select 'd' || i, 'license', 'm' || i || '@example.com', 's', '{}', case i % 3 when 0 then 'sent' when 1 then 'pending' else 'failed' end, 0, i, i from n;
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000)
      insert into audit_log (at, actor_type, actor_label, action, details)
      select i, 'system', 'system', case i % 2 when 0 then 'session.takeover' else 'member.force_logout' end, '{}' from n;
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 20000)
      insert into devices (token_hash, fingerprint, user_agent, browser, os, created_at, last_seen_at)
      select 'd' || i, '', '', 'Chrome', 'Windows', 0, 0 from n;
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 20000)
      insert into sessions (id, secret_hash, member_id, device_id, created_at, last_seen_at, idle_expires_at, expires_at)
      select 's' || i, 'h', i, i, ${t('i * 5')}, ${t('i * 5')}, ${t('i * 5 + 10080')}, ${t('i * 5 + 43200')} from n;
      commit; analyze;`);
    db = recorder.db;
  }, 600_000);
  afterAll(async () => {
    await recorder?.close();
  });

  const plans = (run: () => Promise<unknown>) => recorder.plans(run);
  it.each([
    ['members, first page', () => searchMembers(db, 'sqlite', {})],
    ['members, page 1000', () => searchMembers(db, 'sqlite', { before: 50_000 })],
    ['members by email, name or phone', () => searchMembers(db, 'sqlite', { search: 'm12' })],
    ['members by phone', () => searchMembers(db, 'sqlite', { search: '0810005' })],
    ['licenses', () => searchLicenses(db, 'sqlite', {})],
    ['licenses by key, email or product', () => searchLicenses(db, 'sqlite', { search: 'produk 4' })],
    ['events', () => listEvents(db, {})],
    ['failed events', () => listEvents(db, { outcome: 'failed', before: 500_000 })],
    ['hesda events', () => listEvents(db, { provider: 'hesda' })],
    ['failed lynk events', () => listEvents(db, { provider: 'lynk', outcome: 'failed' })],
    ['outbox', () => listOutbox(db, 'sqlite', {})],
    ['failed mail', () => listOutbox(db, 'sqlite', { status: 'failed' })],
    ['mail by recipient', () => listOutbox(db, 'sqlite', { to: 'm999' })],
    ['audit', () => listAuditPage(db, {})],
    ['audit by action', () => listAuditPage(db, { action: 'session.takeover' })],
    ['audit by actor', () => listAuditPage(db, { actorType: 'system' })],
    ['overview counts', () => loadOverview(db, NOW, 'Asia/Jakarta')],
    ['member detail', () => memberDetail(db, 'sqlite', 500, NOW)],
    ['license detail', () => licenseDetail(db, 500)],
  ])('%s', async (_name, run) => {
    expectIndexed(await plans(run));
  });

  it('the lists still answer correctly at this size', async () => {
    const overview = await loadOverview(db, NOW, 'Asia/Jakarta');
    expect(overview.failedEvents).toBe(250_000);
    expect(overview.paymentsToday).toBeGreaterThan(0);
    expect(overview.paymentsToday).toBeLessThanOrEqual(1441);
    const page = await searchMembers(db, 'sqlite', { search: 'm99999' });
    expect(page.rows.map((r) => r.email).sort()).toEqual(['m99999@example.com']);
    const failed = await listEvents(db, { outcome: 'failed' });
    expect(failed.rows).toHaveLength(50);
    expect(failed.rows[0]?.id).toBe(999_998);
    expect(failed.next).toBe(failed.rows.at(-1)?.id);
  });
});
