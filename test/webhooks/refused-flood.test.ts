import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { signHesdaWebhook, signLynkPayment } from '../../src/webhooks/index.js';
import { addAdmin, signInAdmin } from '../helpers/admin.js';
import { HESDA_SECRET, hesdaEnv, seedTransaction, update } from '../helpers/hesda.js';
import { payment } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, MERCHANT_KEY, worldPerTest } from '../helpers/world.js';

/**
 * Refused webhook deliveries cost at most one row per (provider, IP, reason, minute), past a per-IP
 * limit they get 429 and cost nothing, and they are deleted after REJECTED_RETENTION_DAYS. Genuine
 * deliveries are never limited: the limit is decided after verification, on refusals only.
 */

const ATTACKER = '198.51.100.7';
const LYNK_IP = '192.0.2.10';
const MINUTE = 60_000;
const DAY = 86_400_000;

function lynkFrom(app: FastifyInstance, ip: string, payload: string, signature: string | null) {
  return app.inject({
    method: 'POST',
    url: '/webhook/lynk',
    remoteAddress: ip,
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-lynk-signature': signature } : {}) },
    payload,
  });
}

const wrongSignature = (app: FastifyInstance, ip: string) =>
  lynkFrom(app, ip, JSON.stringify(payment()), 'a'.repeat(64));
const notJson = (app: FastifyInstance, ip: string, n: number) => lynkFrom(app, ip, `{"n":${n},`, 'a'.repeat(64));
function genuine(app: FastifyInstance, ip: string) {
  const signed = signLynkPayment(payment(), MERCHANT_KEY);
  return lynkFrom(app, ip, signed.body, signed.signature);
}

function hesdaFrom(app: FastifyInstance, ip: string, body: object, secret = HESDA_SECRET) {
  const signed = signHesdaWebhook(body, secret);
  return app.inject({
    method: 'POST',
    url: '/webhooks/ppob',
    remoteAddress: ip,
    headers: signed.headers,
    payload: signed.body,
  });
}

describe.each(DIALECTS)('refused webhook deliveries (%s)', (dialect) => {
  const openWorld = worldPerTest(dialect);
  const rejectedRows = (world: World) =>
    world.database.db
      .selectFrom('webhook_events')
      .select(['id', 'provider', 'remote_ip', 'error_code', 'delivery_count', 'received_at', 'raw_body'])
      .where('outcome', '=', 'rejected')
      .orderBy('id')
      .execute();
  const orders = async (world: World) =>
    Number(
      (
        await world.database.db
          .selectFrom('orders')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('a flood of 500 refused deliveries fills no disk and gets 429 past the limit, while genuine ones are processed', async () => {
    const world = await openWorld(hesdaEnv(null));
    const limit = world.config.webhooks.maxRefusedPerIp;
    const refused: Promise<{ statusCode: number; headers: Record<string, unknown> }>[] = [];
    const accepted: ReturnType<typeof genuine>[] = [];
    for (let n = 0; n < 500; n++) {
      refused.push(n % 2 === 0 ? wrongSignature(world.app, ATTACKER) : notJson(world.app, ATTACKER, n));
      // Genuine deliveries in the middle of the flood, from Lynk's address and from the attacker's own.
      if (n % 25 === 0) accepted.push(genuine(world.app, n % 50 === 0 ? ATTACKER : LYNK_IP));
    }
    const [answers, genuineAnswers] = await Promise.all([Promise.all(refused), Promise.all(accepted)]);

    expect(genuineAnswers.map((a) => [a.statusCode, a.json().outcome])).toEqual(accepted.map(() => [200, 'processed']));
    expect(await orders(world)).toBe(accepted.length);
    const limited = answers.filter((a) => a.statusCode === 429);
    expect(limited).toHaveLength(500 - limit);
    for (const a of limited) expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
    expect(answers.filter((a) => a.statusCode === 401 || a.statusCode === 400)).toHaveLength(limit);

    // Two reasons from one IP in one minute: two rows, counting every refusal that was not a 429.
    const rows = await rejectedRows(world);
    expect(rows.map((r) => [r.remote_ip, r.error_code]).sort()).toEqual([
      [ATTACKER, 'INVALID_JSON'],
      [ATTACKER, 'INVALID_SIGNATURE'],
    ]);
    expect(rows.reduce((sum, r) => sum + r.delivery_count, 0)).toBe(limit);

    // Another address has its own allowance; the attacker's ends with the minute.
    expect((await wrongSignature(world.app, '203.0.113.9')).statusCode).toBe(401);
    expect((await wrongSignature(world.app, ATTACKER)).statusCode).toBe(429);
    world.runtime.advance(MINUTE);
    expect((await wrongSignature(world.app, ATTACKER)).statusCode).toBe(401);
    expect(await rejectedRows(world)).toHaveLength(4);
  });

  it('Hesda: refusals past the limit get 429 in Hesda’s shape; a genuine update from the same IP is applied', async () => {
    const world = await openWorld(hesdaEnv(null));
    const seeded = await seedTransaction(world, 'FLOOD-1');
    const limit = world.config.webhooks.maxRefusedPerIp;
    const answers = await Promise.all(
      Array.from({ length: limit + 40 }, (_, n) =>
        hesdaFrom(world.app, ATTACKER, update(`X${n}`, 'success'), 'wrong-secret-0123'),
      ),
    );
    expect(answers.filter((a) => a.statusCode === 401)).toHaveLength(limit);
    const limited = answers.filter((a) => a.statusCode === 429);
    expect(limited).toHaveLength(40);
    expect(limited[0]?.json()).toMatchObject({
      status: 'error',
      message: 'Too many requests',
      error: { code: 'RATE_LIMITED' },
    });
    const res = await hesdaFrom(world.app, ATTACKER, update('FLOOD-1', 'success'));
    expect(res.json()).toMatchObject({ status: 'success', outcome: 'processed' });
    const row = await world.database.db
      .selectFrom('ppob_transactions')
      .select('status')
      .where('id', '=', seeded.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('success');
    expect((await rejectedRows(world)).map((r) => [r.provider, r.delivery_count])).toEqual([['hesda', limit]]);
  });

  it('refusals from many addresses at once: past the sample cap they share one row', async () => {
    const world = await openWorld();
    const ips = Array.from({ length: 130 }, (_, n) => `10.9.${Math.floor(n / 200)}.${n % 200}`);
    for (const ip of ips) expect((await wrongSignature(world.app, ip)).statusCode).toBe(401);
    const rows = await rejectedRows(world);
    expect(rows.length).toBeLessThanOrEqual(31);
    const shared = rows.filter((r) => r.remote_ip === '*');
    expect(shared).toHaveLength(1);
    expect(rows.reduce((sum, r) => sum + r.delivery_count, 0)).toBe(ips.length);
  });

  it('rejected rows are deleted after REJECTED_RETENTION_DAYS; other events stay', async () => {
    const world = await openWorld({ REJECTED_RETENTION_DAYS: '3' });
    expect((await wrongSignature(world.app, ATTACKER)).statusCode).toBe(401);
    expect((await genuine(world.app, LYNK_IP)).statusCode).toBe(200);
    world.runtime.advance(2 * DAY);
    expect((await notJson(world.app, ATTACKER, 1)).statusCode).toBe(400);
    expect((await rejectedRows(world)).map((r) => r.error_code)).toEqual(['INVALID_SIGNATURE', 'INVALID_JSON']);

    world.runtime.advance(2 * DAY);
    expect((await wrongSignature(world.app, ATTACKER)).statusCode).toBe(401);
    // The first refusal is now 4 days old and gone; the one from 2 days ago and today's remain.
    expect((await rejectedRows(world)).map((r) => r.error_code)).toEqual(['INVALID_JSON', 'INVALID_SIGNATURE']);
    const kept = await world.database.db.selectFrom('webhook_events').select('outcome').execute();
    expect(kept.map((e) => e.outcome).sort()).toEqual(['processed', 'rejected', 'rejected']);
  });

  it('the console shows a rejected row as a counter: how often, from where, and that the body is a sample', async () => {
    const world = await openWorld();
    for (let n = 0; n < 7; n++) await wrongSignature(world.app, ATTACKER);
    await addAdmin(world);
    const admin = await signInAdmin(world);
    const list = await admin.get('/admin/webhook?hasil=rejected');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('7× ditolak');
    expect(list.body).toContain(`dari ${ATTACKER}`);
    const [row] = await rejectedRows(world);
    const detail = await admin.get(`/admin/webhook/${row?.id}`);
    expect(detail.body).toContain('7× ditolak dalam menit ini');
    expect(detail.body).toContain('contoh: kiriman pertama');
  });
});
