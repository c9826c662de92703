import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { createApiToken } from '../../src/auth/index.js';
import { listDeliveries } from '../../src/webhooks/index.js';
import { addMember, cookieHeader, PASSWORD, TestDevice } from '../helpers/auth.js';
import { closedPort } from '../helpers/gerbang-process.js';
import { FakeHesda, hesdaEnv } from '../helpers/hesda.js';
import { SseConnection } from '../helpers/sse-client.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';
const BUDI = 'budi@example.com';

describe.each(DIALECTS)('PPOB loop over real HTTP: order → Hesda callback → member stream (%s)', (dialect) => {
  let hesda: FakeHesda;
  const connections: SseConnection[] = [];
  const openWorld = worldPerTest(dialect, async (w) => {
    await addMember(w, ANI, { name: 'Ani' });
    await addMember(w, BUDI);
  });
  afterEach(async () => {
    for (const c of connections.splice(0)) c.close();
    await hesda?.close();
  });

  /** The app listens on the port PUBLIC_URL names, so Hesda's callbacks reach it. */
  const open = async () => {
    hesda = await FakeHesda.start();
    const port = await closedPort();
    const world = await openWorld(hesdaEnv(hesda, { PUBLIC_URL: `http://127.0.0.1:${port}` }));
    await world.app.listen({ host: '127.0.0.1', port });
    const { token } = await createApiToken(
      world.database.db,
      world.runtime,
      { name: 'loop', createdBy: null },
      CLI_ACTOR,
    );
    const order = async (payload: Record<string, string>) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/admin/ppob/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      return { status: res.status, body: (await res.json()) as { transaction: { id: number; status: string } } };
    };
    return { world, order, port: (world.app.server.address() as AddressInfo).port };
  };
  const signIn = async (world: World, email: string) => {
    const device = new TestDevice(world.app);
    expect((await device.loginKeepingHere(email, PASSWORD)).statusCode).toBe(303);
    return device;
  };
  const stream = async (port: number, device: TestDevice) => {
    const c = await SseConnection.open(port, '/api/realtime/stream', { cookie: cookieHeader(device.cookies) });
    connections.push(c);
    await c.connected();
    return c;
  };
  const updates = (c: SseConnection) =>
    c.events('transaction.updated').map((f) => JSON.parse(f.data ?? '{}') as Record<string, unknown>);

  it("the owner's open stream hears pending, then success with the sn; nobody else's does", async () => {
    const { world, order, port } = await open();
    const ani = await stream(port, await signIn(world, ANI));
    const budi = await stream(port, await signIn(world, BUDI));
    const placed = await order({ product_code: 'XXL5', customer_no: '0895123456789', member_email: ANI });
    expect(placed.status).toBe(201);
    await ani.waitFor(() => updates(ani).length === 1, 5000);
    expect(updates(ani)[0]).toMatchObject({
      type: 'transaction.updated',
      id: placed.body.transaction.id,
      status: 'pending',
    });

    const callback = await hesda.callback(hesda.lastOrder(), {
      status: 'success',
      sn: 'SN-998877',
      message: 'Transaksi Berhasil',
    });
    expect(callback).toMatchObject({
      status: 200,
      body: { status: 'success', message: 'Webhook received', outcome: 'processed' },
    });
    await ani.waitFor(() => updates(ani).length === 2, 5000);
    expect(updates(ani)[1]).toMatchObject({ status: 'success', statusLabel: 'Berhasil', sn: 'SN-998877' });
    expect(updates(budi)).toEqual([]);

    // Hesda retries the same callback: 200, and the page hears nothing new.
    const again = await hesda.callback(hesda.lastOrder(), {
      status: 'success',
      sn: 'SN-998877',
      message: 'Transaksi Berhasil',
    });
    expect(again.body).toMatchObject({ status: 'success', duplicate: true });
    const page = await (await signIn(world, ANI)).get('/member/transaksi');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('SN-998877');
    expect(page.body).toContain('Berhasil');
    expect(updates(ani)).toHaveLength(2);
  });

  it('a page that was away catches up with Last-Event-ID and gets the change it missed', async () => {
    const { world, order, port } = await open();
    const device = await signIn(world, ANI);
    const first = await stream(port, device);
    await order({ product_code: 'XXL5', customer_no: '0895123456789', member_email: ANI });
    await first.waitFor(() => updates(first).length === 1, 5000);
    const lastId = first.events('transaction.updated')[0]?.id ?? '';
    first.close();
    expect((await hesda.callback(hesda.lastOrder(), { status: 'success', sn: 'WHILE-AWAY' })).status).toBe(200);
    const back = await SseConnection.open(port, '/api/realtime/stream', {
      cookie: cookieHeader(device.cookies),
      'last-event-id': lastId,
    });
    connections.push(back);
    await back.waitFor(() => updates(back).length === 1, 5000);
    expect(updates(back)[0]).toMatchObject({ status: 'success', sn: 'WHILE-AWAY' });
  });

  it('a callback that beats the order answer is kept, then applied when the answer names its transaction', async () => {
    const { world, order } = await open();
    let early: Awaited<ReturnType<FakeHesda['callback']>> | undefined;
    hesda.behaviour = {
      kind: 'accept',
      beforeAnswer: async (o) => {
        early = await hesda.callback(o, { status: 'success', sn: 'EARLY-1', message: 'Transaksi Berhasil' });
      },
    };
    const placed = await order({ product_code: 'XXL5', customer_no: '0895123456789' });
    expect(early).toMatchObject({ status: 200, body: { outcome: 'failed' } });
    expect(placed.status).toBe(201);
    expect(placed.body.transaction).toMatchObject({ status: 'success', sn: 'EARLY-1' });
    const [event] = await listDeliveries(world.database.db, { provider: 'hesda' });
    expect(event).toMatchObject({ outcome: 'processed', error_code: null });
    expect(event?.note).toContain('diterapkan setelah jawaban order');
  });

  it('a failed callback ends it as failed, and a late success does not revive it', async () => {
    const { world, order } = await open();
    await order({ product_code: 'XXL5', customer_no: '0895123456789', member_email: BUDI });
    const sent = hesda.lastOrder();
    expect((await hesda.callback(sent, { status: 'failed', message: 'Nomor tidak valid' })).status).toBe(200);
    expect((await hesda.callback(sent, { status: 'success', sn: 'X' })).body).toMatchObject({ outcome: 'ignored' });
    const [row] = await world.database.db.selectFrom('ppob_transactions').selectAll().execute();
    expect(row).toMatchObject({ status: 'failed', sn: null, message: 'Nomor tidak valid' });
  });

  it('a callback signed with another secret is refused with 401 and changes nothing', async () => {
    const { world, order } = await open();
    await order({ product_code: 'XXL5', customer_no: '0895123456789' });
    const res = await hesda.callback(hesda.lastOrder(), { status: 'success', sn: '1' }, { secret: 'not-the-secret' });
    expect(res).toMatchObject({ status: 401, body: { status: 'error', message: 'Invalid signature' } });
    const [row] = await world.database.db.selectFrom('ppob_transactions').selectAll().execute();
    expect(row?.status).toBe('pending');
  });
});

describe('the member transactions page', () => {
  const openWorld = worldPerTest('sqlite', async (w) => {
    await addMember(w, ANI);
    await addMember(w, BUDI);
  });
  it("shows only the member's own transactions, escaped, in Indonesian; without a session it sends to login", async () => {
    const world = await openWorld(hesdaEnv(null));
    const [ani, budi] = await Promise.all(
      [ANI, BUDI].map((e) =>
        world.database.db.selectFrom('members').select('id').where('email', '=', e).executeTakeFirstOrThrow(),
      ),
    );
    const base = {
      product_code: 'XXL5',
      customer_no: '0895123456789',
      sn: null,
      last_error: null,
      created_at: 1,
      updated_at: 1,
    };
    await world.database.db
      .insertInto('ppob_transactions')
      .values([
        {
          ...base,
          idempotency_key: 'k-ani-0001',
          hesda_transaction_id: 'A1',
          member_id: ani?.id ?? 0,
          product_name: '<b>XX</b> 5.000',
          status: 'pending',
          message: 'Diproses',
        },
        {
          ...base,
          idempotency_key: 'k-budi-001',
          hesda_transaction_id: 'B1',
          member_id: budi?.id ?? 0,
          product_name: 'Punya Budi',
          status: 'success',
          message: null,
        },
      ])
      .execute();
    const device = new TestDevice(world.app);
    expect((await device.get('/member/transaksi')).statusCode).toBe(303);
    await device.loginKeepingHere(ANI, PASSWORD);
    const page = await device.get('/member/transaksi');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>Transaksi saya</h1>');
    expect(page.body).toContain('&lt;b&gt;XX&lt;/b&gt; 5.000');
    expect(page.body).toContain('Diproses');
    expect(page.body).not.toContain('Punya Budi');
    expect(page.body).toContain('href="/member/transaksi"');
    expect(page.headers['cache-control']).toBe('no-store');
  });
});
