import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR, listAudit } from '../../src/audit/index.js';
import { createApiToken } from '../../src/auth/index.js';
import { addMember } from '../helpers/auth.js';
import { FakeHesda, HESDA_API_KEY, hesdaEnv } from '../helpers/hesda.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const ORDERS = '/api/admin/ppob/orders';

describe.each(DIALECTS)('PPOB orders through the admin API against a fake Hesda (%s)', (dialect) => {
  let hesda: FakeHesda;
  const openWorld = worldPerTest(dialect);
  afterEach(async () => {
    await hesda?.close();
  });
  const open = async (env: Record<string, string> = {}) => {
    hesda = await FakeHesda.start();
    const world = await openWorld(hesdaEnv(hesda, env));
    const { token } = await createApiToken(
      world.database.db,
      world.runtime,
      { name: 'skrip ppob', createdBy: null },
      CLI_ACTOR,
    );
    const order = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
      world.app.inject({
        method: 'POST',
        url: ORDERS,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(payload),
      });
    const list = (query = '') =>
      world.app.inject({ url: `/api/admin/ppob/transactions${query}`, headers: { authorization: `Bearer ${token}` } });
    return { world, order, list, token };
  };
  const rows = (world: World) => world.database.db.selectFrom('ppob_transactions').selectAll().execute();
  const XXL5 = { product_code: 'XXL5', customer_no: '0895123456789' };

  it('an order goes to Hesda with our callback URL, API key and idempotency key, and is stored pending', async () => {
    const { world, order } = await open();
    const res = await order(XXL5);
    expect(res.statusCode).toBe(201);
    const sent = hesda.lastOrder();
    expect(sent.body).toEqual({ ...XXL5, callback_url: 'http://127.0.0.1:3000/webhooks/ppob' });
    expect(sent.headers.authorization).toBe(`Bearer ${HESDA_API_KEY}`);
    const [row] = await rows(world);
    expect(sent.headers['idempotency-key']).toBe(row?.idempotency_key);
    expect(row).toMatchObject({
      status: 'pending',
      hesda_transaction_id: sent.transactionId,
      product_name: 'XXL5 5.000',
      member_id: null,
      last_error: null,
    });
    expect(res.json().transaction).toMatchObject({
      id: row?.id,
      status: 'pending',
      hesda_transaction_id: sent.transactionId,
    });
    const [audit] = await listAudit(world.database.db, { action: 'ppob.order' });
    expect(audit).toMatchObject({
      actor_type: 'api_token',
      actor_label: 'token:skrip ppob',
      target_id: String(row?.id),
    });
  });

  it('another API key header sends the key as is', async () => {
    const { order } = await open({ HESDA_API_KEY_HEADER: 'X-Api-Key' });
    expect((await order(XXL5)).statusCode).toBe(201);
    expect(hesda.lastOrder().headers['x-api-key']).toBe(HESDA_API_KEY);
    expect(hesda.lastOrder().headers.authorization).toBeUndefined();
  });

  it('a retried request with the same Idempotency-Key returns the first order and sends nothing twice', async () => {
    const { world, order } = await open();
    const first = await order(XXL5, { 'idempotency-key': 'order-2026-0001' });
    const again = await order(XXL5, { 'idempotency-key': 'order-2026-0001' });
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
    expect(again.json()).toMatchObject({ duplicate: true, transaction: { id: first.json().transaction.id } });
    const other = await order({ ...XXL5, customer_no: '0811111111' }, { 'idempotency-key': 'order-2026-0001' });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(hesda.orders).toHaveLength(1);
    expect(await rows(world)).toHaveLength(1);
  });

  it('the same key sent twice at once still orders once', async () => {
    const { world, order } = await open();
    const answers = await Promise.all([
      order({ ...XXL5, idempotency_key: 'at-once-0001' }),
      order({ ...XXL5, idempotency_key: 'at-once-0001' }),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 201]);
    expect(hesda.orders).toHaveLength(1);
    expect(await rows(world)).toHaveLength(1);
  });

  it('a timeout leaves the order unknown for reconciliation (502), and a retry does not re-send it', async () => {
    const { world, order } = await open({ HESDA_TIMEOUT_SECONDS: '0.3' });
    hesda.behaviour = { kind: 'hang' };
    const res = await order(XXL5, { 'idempotency-key': 'slow-order-1' });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('PPOB_OUTCOME_UNKNOWN');
    expect(res.json().transaction).toMatchObject({ status: 'unknown', hesda_transaction_id: null });
    const [row] = await rows(world);
    expect(row?.status).toBe('unknown');
    expect(row?.last_error).toMatch(/^timeout: /);
    hesda.behaviour = { kind: 'accept' };
    const retry = await order(XXL5, { 'idempotency-key': 'slow-order-1' });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ duplicate: true, transaction: { status: 'unknown' } });
    expect(hesda.orders).toHaveLength(1);
  });

  it('a 5xx, a dropped connection or an unreadable 200 are unknown too, each with its reason', async () => {
    const { world, order } = await open();
    const cases = [
      {
        behaviour: { kind: 'answer', status: 503, body: '{"status":"error","message":"maintenance"}' },
        reason: /^server_error: HTTP 503/,
      },
      { behaviour: { kind: 'drop' }, reason: /^network: / },
      { behaviour: { kind: 'answer', status: 200, body: '<html>oops</html>' }, reason: /^malformed: / },
      { behaviour: { kind: 'answer', status: 200, body: '{"status":"success","data":{}}' }, reason: /^malformed: / },
    ] as const;
    for (const [i, c] of cases.entries()) {
      hesda.behaviour = c.behaviour;
      const res = await order({ ...XXL5, customer_no: `0811000000${i}` });
      expect(res.statusCode, JSON.stringify(c.behaviour)).toBe(502);
      expect(res.json().transaction.last_error).toMatch(c.reason);
    }
    const stored = await rows(world);
    expect(stored.map((r) => r.status)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
  });

  it('a refusal from Hesda (4xx, or status "error" without a transaction) is a failed transaction, 422', async () => {
    const { world, order } = await open();
    hesda.behaviour = { kind: 'answer', status: 400, body: '{"status":"error","message":"Saldo tidak cukup"}' };
    const res = await order(XXL5);
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'PPOB_ORDER_REJECTED',
      message: 'Hesda menolak pesanan: Saldo tidak cukup',
    });
    hesda.behaviour = { kind: 'answer', status: 200, body: '{"status":"error","message":"Produk gangguan"}' };
    expect((await order({ ...XXL5, customer_no: '0822222222' })).statusCode).toBe(422);
    const stored = await rows(world);
    expect(stored.map((r) => [r.status, r.message])).toEqual([
      ['failed', 'Saldo tidak cukup'],
      ['failed', 'Produk gangguan'],
    ]);
  });

  it('an order for a member is linked to them and announced on their realtime log; an unknown email sends nothing', async () => {
    const { world, order } = await open();
    const memberId = await addMember(world, 'ani@example.com');
    const missing = await order({ ...XXL5, member_email: 'nobody@example.com' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.code).toBe('PPOB_MEMBER_NOT_FOUND');
    expect(hesda.orders).toHaveLength(0);
    const res = await order({ ...XXL5, member_email: 'ANI@example.com' });
    expect(res.statusCode).toBe(201);
    expect(res.json().transaction.member_id).toBe(memberId);
    const events = await world.database.db.selectFrom('realtime_events').selectAll().execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ member_id: memberId, device_id: null, kind: 'transaction.updated' });
    expect(JSON.parse(events[0]?.data ?? '{}')).toMatchObject({
      status: 'pending',
      statusLabel: 'Diproses',
      customerNo: XXL5.customer_no,
    });
  });

  it('bad input is 400 before anything is stored or sent; no token is 401', async () => {
    const { world, order } = await open();
    for (const bad of [
      {},
      { ...XXL5, product_code: 'XX L5' },
      { ...XXL5, customer_no: '<b>' },
      { ...XXL5, member_email: 'x' },
    ]) {
      const res = await order(bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().error.code).toBe('INVALID_PAYLOAD');
    }
    expect((await order(XXL5, { 'idempotency-key': 'short' })).statusCode).toBe(400);
    const anonymous = await world.app.inject({ method: 'POST', url: ORDERS, payload: XXL5 });
    expect(anonymous.statusCode).toBe(401);
    const listAnonymous = await world.app.inject({ url: '/api/admin/ppob/transactions' });
    expect(listAnonymous.statusCode).toBe(401);
    expect(hesda.orders).toHaveLength(0);
    expect(await rows(world)).toHaveLength(0);
  });

  it('lists transactions newest first, filtered by status', async () => {
    const { order, list } = await open();
    await order(XXL5);
    hesda.behaviour = { kind: 'answer', status: 500, body: '' };
    await order({ ...XXL5, customer_no: '0833333333' });
    const all = await list();
    expect(all.statusCode).toBe(200);
    expect(all.json().transactions.map((t: { status: string }) => t.status)).toEqual(['unknown', 'pending']);
    const unknown = await list('?status=unknown');
    expect(unknown.json().transactions).toHaveLength(1);
    expect((await list('?status=done')).statusCode).toBe(400);
  });
});

describe('PPOB ordering switched off', () => {
  const openWorld = worldPerTest('sqlite');
  it('without HESDA_API_URL the order API answers 503 with what to set', async () => {
    const world = await openWorld(hesdaEnv(null));
    const { token } = await createApiToken(world.database.db, world.runtime, { name: 't', createdBy: null }, CLI_ACTOR);
    const res = await world.app.inject({
      method: 'POST',
      url: ORDERS,
      headers: { authorization: `Bearer ${token}` },
      payload: { product_code: 'XXL5', customer_no: '0895123456789' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatchObject({ code: 'PPOB_NOT_CONFIGURED' });
    expect(res.json().error.message).toContain('HESDA_API_URL');
  });
});
