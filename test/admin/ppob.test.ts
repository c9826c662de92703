import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NOT_ORDERED_MESSAGE } from '../../src/ppob/index.js';
import { addAdmin, auditEntries, csrfOf, expectAudited, signInAdmin } from '../helpers/admin.js';
import { addMember, cookieHeader, location, PASSWORD, TestDevice } from '../helpers/auth.js';
import { FakeHesda, hesdaEnv, postHesda, seedTransaction, seedUnknownTransaction, update } from '../helpers/hesda.js';
import { SseConnection } from '../helpers/sse-client.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const EKA = 'eka@example.com';
const IP = '203.0.113.11';

describe.each(DIALECTS)('PPOB in the operator console (%s)', (dialect) => {
  let adminId: number;
  let ekaId: number;
  let hesda: FakeHesda | undefined;
  const connections: SseConnection[] = [];
  const openWorld = worldPerTest(dialect, async (w) => {
    adminId = await addAdmin(w);
    ekaId = await addMember(w, EKA);
  });
  afterEach(async () => {
    for (const c of connections.splice(0)) c.close();
    await hesda?.close();
    hesda = undefined;
  });

  /** A world with a fake Hesda (or none), the admin's browser, and a form poster. */
  const open = async (withHesda = true) => {
    hesda = withHesda ? await FakeHesda.start() : undefined;
    const world: World = await openWorld(hesdaEnv(hesda ?? null, { HESDA_TIMEOUT_SECONDS: '0.3' }));
    const admin = await signInAdmin(world, undefined, IP);
    const act = async (pagePath: string, action: string, form: Record<string, string> = {}) => {
      const page = await admin.get(pagePath);
      expect(page.statusCode).toBe(200);
      return admin.post(action, form, { csrf: csrfOf(page.body) });
    };
    /** The order form as the page renders it, with its idempotency key. */
    const order = async (form: Record<string, string>) => {
      const page = await admin.get('/admin/ppob');
      const key = /name="idempotency_key" value="([^"]+)"/.exec(page.body)?.[1];
      expect(key).toBeTruthy();
      const res = await admin.post('/admin/ppob', { ...form, idempotency_key: key ?? '' }, { csrf: csrfOf(page.body) });
      return { res, key: key ?? '' };
    };
    return { world, admin, act, order };
  };
  const transaction = (world: World, id: number) =>
    world.database.db.selectFrom('ppob_transactions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('an order placed from the console is audited as the admin; the same form sent twice orders once', async () => {
    const { world, admin, order } = await open();
    const { res, key } = await order({ product_code: 'XXL5', customer_no: '0895111', member_email: 'Eka@Example.com' });
    const rows = await world.database.db.selectFrom('ppob_transactions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(location(res)).toBe(`/admin/ppob/${rows[0]?.id}?pesan=ppob-dipesan`);
    expect(rows[0]).toMatchObject({ status: 'pending', member_id: ekaId, idempotency_key: key });
    expect(hesda?.orders).toHaveLength(1);
    await expectAudited(world, 'ppob.order', { actorId: adminId, ip: IP });
    // The page sent again (a double click, a browser resubmitting): the first order, not a second.
    const page = await admin.get('/admin/ppob');
    const again = await admin.post(
      '/admin/ppob',
      { product_code: 'XXL5', customer_no: '0895111', member_email: EKA, idempotency_key: key },
      { csrf: csrfOf(page.body) },
    );
    expect(location(again)).toBe(location(res));
    expect(await world.database.db.selectFrom('ppob_transactions').select('id').execute()).toHaveLength(1);
    expect(hesda?.orders).toHaveLength(1);
  });

  it('without HESDA_API_URL the console offers no order form and refuses the POST', async () => {
    const { world, admin, act } = await open(false);
    const page = await admin.get('/admin/ppob');
    expect(page.body).toContain('id="ppob-order-off"');
    const res = await act('/admin/ppob', '/admin/ppob', {
      product_code: 'XXL5',
      customer_no: '0895111',
      member_email: '',
      idempotency_key: 'gbc_0123456789abcdef',
    });
    expect(location(res)).toBe('/admin/ppob?pesan=ppob-mati');
    expect(await world.database.db.selectFrom('ppob_transactions').select('id').execute()).toEqual([]);
  });

  it('the list filters by status (unknown = needs reconciliation) and finds by customer number, Hesda id or member email', async () => {
    const { world, admin } = await open(false);
    const pending = await seedTransaction(world, 'HSD-7', ekaId);
    const other = await seedUnknownTransaction(world, { customer_no: '0811222' });
    const ids = async (query: string) => {
      const res = await admin.get(`/admin/ppob${query}`);
      expect(res.statusCode).toBe(200);
      return [...res.body.matchAll(/href="\/admin\/ppob\/(\d+)"/g)].map((m) => Number(m[1]));
    };
    expect(await ids('')).toEqual([other.id, pending.id]);
    expect(await ids('?status=unknown')).toEqual([other.id]);
    expect(await ids('?status=pending')).toEqual([pending.id]);
    expect(await ids('?q=0811222')).toEqual([other.id]);
    expect(await ids('?q=HSD-7')).toEqual([pending.id]);
    expect(await ids(`?q=${encodeURIComponent('EKA@example.com')}`)).toEqual([pending.id]);
    expect(await ids('?q=nobody%40example.com')).toEqual([]);
    expect(await ids('?status=bogus')).toEqual([other.id, pending.id]);
  });

  it('the list pages by keyset: the next page starts below the last id shown', async () => {
    const { world, admin } = await open(false);
    const seeded: number[] = [];
    for (let i = 0; i < 52; i++) seeded.push((await seedTransaction(world, `HSD-${i}`)).id);
    const first = await admin.get('/admin/ppob');
    const link = /href="(\/admin\/ppob\?sebelum=(\d+))" id="next-page"/.exec(first.body);
    expect(Number(link?.[2])).toBe(seeded[2]);
    const second = await admin.get(link?.[1] ?? '');
    const shown = [...second.body.matchAll(/href="\/admin\/ppob\/(\d+)"/g)].map((m) => Number(m[1]));
    expect(shown).toEqual([seeded[1], seeded[0]]);
    expect(second.body).not.toContain('id="next-page"');
  });

  it("recording Hesda's id for an unknown order applies the early callback, is audited, and the member's page hears it", async () => {
    const { world, admin, act, order } = await open();
    await world.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (world.app.server.address() as AddressInfo).port;
    hesda = hesda as FakeHesda;
    hesda.behaviour = { kind: 'hang' };
    const { res } = await order({ product_code: 'XXL5', customer_no: '0895123456789', member_email: EKA });
    const id = Number(/\/admin\/ppob\/(\d+)/.exec(location(res) ?? '')?.[1]);
    expect(location(res)).toBe(`/admin/ppob/${id}?pesan=ppob-unknown`);
    expect((await transaction(world, id)).status).toBe('unknown');
    expect((await admin.get(`/admin/ppob/${id}`)).body).toContain('id="resolve-hesda"');
    expect((await postHesda(world.app, update('HSD-42', 'success'))).json().outcome).toBe('failed');

    const eka = new TestDevice(world.app);
    await eka.login(EKA, PASSWORD);
    const stream = await SseConnection.open(port, '/api/realtime/stream', { cookie: cookieHeader(eka.cookies) });
    connections.push(stream);
    await stream.connected();

    const done = await act(`/admin/ppob/${id}`, `/admin/ppob/${id}/rekonsiliasi`, { hesda_transaction_id: 'HSD-42' });
    expect(location(done)).toBe(`/admin/ppob/${id}?pesan=ppob-selesai`);
    expect(await transaction(world, id)).toMatchObject({ status: 'success', hesda_transaction_id: 'HSD-42' });
    const event = await stream.nextEvent('transaction.updated', 10_000);
    expect(JSON.parse(event.data ?? '')).toMatchObject({ id, status: 'success' });
    const entry = await expectAudited(world, 'ppob.reconcile', {
      actorId: adminId,
      ip: IP,
      target: ['ppob_transaction', id],
    });
    expect(JSON.parse(entry.details)).toEqual({ hesda_transaction_id: 'HSD-42' });
    // The detail shows the delivery about it, now processed, and no reconciliation form.
    const detail = await admin.get(`/admin/ppob/${id}`);
    expect(detail.body).toMatch(/id="ppob-deliveries"[\s\S]*diproses/);
    expect(detail.body).not.toContain('id="resolve-hesda"');
    expect(hesda.orders).toHaveLength(1);
  });

  it('"never ordered" marks the unknown order failed; a second reconciliation is refused and not audited', async () => {
    const { world, act } = await open(false);
    const seeded = await seedUnknownTransaction(world);
    const path = `/admin/ppob/${seeded.id}`;
    expect(location(await act(path, `${path}/rekonsiliasi`, { not_ordered: 'ya' }))).toBe(`${path}?pesan=ppob-selesai`);
    expect(await transaction(world, seeded.id)).toMatchObject({ status: 'failed', message: NOT_ORDERED_MESSAGE });
    expect(location(await act(path, `${path}/rekonsiliasi`, { not_ordered: 'ya' }))).toBe(`${path}?pesan=gagal`);
    expect(await auditEntries(world, 'ppob.reconcile')).toHaveLength(1);
    expect(location(await act(path, `${path}/rekonsiliasi`, {}))).toBe(`${path}?pesan=ppob-isi`);
  });

  it('a Hesda id already recorded on another transaction is refused: nothing changes', async () => {
    const { world, act } = await open(false);
    await seedTransaction(world, 'HSD-TAKEN');
    const seeded = await seedUnknownTransaction(world);
    const path = `/admin/ppob/${seeded.id}`;
    const res = await act(path, `${path}/rekonsiliasi`, { hesda_transaction_id: 'HSD-TAKEN' });
    expect(location(res)).toBe(`${path}?pesan=ppob-id-dipakai`);
    expect(await transaction(world, seeded.id)).toMatchObject({ status: 'unknown', hesda_transaction_id: null });
    expect(await auditEntries(world, 'ppob.reconcile')).toEqual([]);
  });
});
