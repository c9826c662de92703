import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { listDeliveries, signLynkPayment } from '../../src/webhooks/index.js';
import { postHesda, seedTransaction, update } from '../helpers/hesda.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS, TestRuntime } from '../helpers/world.js';

/**
 * Rotating a webhook secret without losing deliveries (docs/SECURITY.md): during the window both
 * the new and the previous key verify, a delivery signed with the old one is counted and logged
 * (without the key), and after `…_PREVIOUS_UNTIL` the old key is refused like any wrong one.
 */

const OLD_LYNK = 'lynk-merchant-key-OLD-0123456789';
const NEW_LYNK = 'lynk-merchant-key-NEW-9876543210';
const OLD_HESDA = 'hesda-secret-key-OLD-0123456789';
const NEW_HESDA = 'hesda-secret-key-NEW-9876543210';
const METRICS_TOKEN = 'metrics-token-rotation-0123456789';
const HOUR = 3_600_000;
/** The world's clock starts here (TestRuntime); the window closes one hour later. */
const START = new TestRuntime().now();
const UNTIL = new Date(START + HOUR).toISOString();

describe.each(DIALECTS)('webhook key rotation (%s)', (dialect) => {
  let world: World | undefined;
  let logLines: string[] = [];
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  async function open(env: Record<string, string>): Promise<World> {
    logLines = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) });
    world = await createWorld(dialect, { METRICS_TOKEN, ...env }, { logger });
    return world;
  }

  async function previousKeyCount(w: World, provider: 'lynk' | 'hesda'): Promise<number> {
    const res = await w.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const line = new RegExp(`^gerbang_webhook_previous_key_total\\{provider="${provider}"\\} (\\d+)$`, 'm').exec(
      res.body,
    );
    if (!line?.[1]) throw new Error(`no previous-key counter for ${provider} in /metrics:\n${res.body}`);
    return Number(line[1]);
  }

  const lynkSignedWith = (w: World, email: string, key: string) => {
    const body = payment({ email });
    return postLynk(w.app, body, { signature: signLynkPayment(body, key).signature });
  };

  it('Lynk: the new key and, inside the window, the old key are accepted; after it the old key is refused', async () => {
    const w = await open({
      LYNK_MERCHANT_KEY: NEW_LYNK,
      LYNK_MERCHANT_KEY_PREVIOUS: OLD_LYNK,
      LYNK_MERCHANT_KEY_PREVIOUS_UNTIL: UNTIL,
    });
    const fresh = await lynkSignedWith(w, 'baru@example.com', NEW_LYNK);
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json()).toMatchObject({ outcome: 'processed', duplicate: false });
    expect(await previousKeyCount(w, 'lynk')).toBe(0);

    // Lynk.id still signs with the old key: accepted, counted, logged without the key.
    const stale = await lynkSignedWith(w, 'lama@example.com', OLD_LYNK);
    expect(stale.statusCode).toBe(200);
    expect(stale.json()).toMatchObject({ outcome: 'processed' });
    expect(await previousKeyCount(w, 'lynk')).toBe(1);
    const warned = logLines.filter((l) => l.includes('previous merchant key'));
    expect(warned).toHaveLength(1);
    expect(logLines.join('\n')).not.toContain(OLD_LYNK);

    // Neither key: 401 as without a rotation, and not counted as a use of the old key.
    const forged = await lynkSignedWith(w, 'palsu@example.com', 'some-other-key-0123456789');
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } });
    expect(await previousKeyCount(w, 'lynk')).toBe(1);

    // The window closes at LYNK_MERCHANT_KEY_PREVIOUS_UNTIL (the injected clock): the old key is refused.
    w.runtime.advance(HOUR);
    const late = await lynkSignedWith(w, 'telat@example.com', OLD_LYNK);
    expect(late.statusCode).toBe(401);
    expect(late.json()).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } });
    expect((await lynkSignedWith(w, 'baru-lagi@example.com', NEW_LYNK)).statusCode).toBe(200);
    expect(await previousKeyCount(w, 'lynk')).toBe(1);

    const events = await listDeliveries(w.database.db, { provider: 'lynk' });
    expect(events.filter((e) => e.outcome === 'processed')).toHaveLength(3);
    expect(events.filter((e) => e.outcome === 'rejected')).toHaveLength(2);
    const orders = await w.database.db.selectFrom('orders').select('id').execute();
    expect(orders).toHaveLength(3);
  });

  it('Lynk: without an end instant the old key stays accepted until the variable is removed', async () => {
    const w = await open({ LYNK_MERCHANT_KEY: NEW_LYNK, LYNK_MERCHANT_KEY_PREVIOUS: OLD_LYNK });
    w.runtime.advance(365 * 24 * HOUR);
    expect((await lynkSignedWith(w, 'lama@example.com', OLD_LYNK)).statusCode).toBe(200);
    expect(await previousKeyCount(w, 'lynk')).toBe(1);
  });

  it('Lynk: without a rotation the old key is just a wrong key (401)', async () => {
    const w = await open({ LYNK_MERCHANT_KEY: NEW_LYNK });
    const res = await lynkSignedWith(w, 'lama@example.com', OLD_LYNK);
    expect(res.statusCode).toBe(401);
    expect(await previousKeyCount(w, 'lynk')).toBe(0);
  });

  it('Hesda: the new key and, inside the window, the old key are accepted; after it the old key is refused', async () => {
    const w = await open({
      HESDA_SECRET_KEY: NEW_HESDA,
      HESDA_SECRET_KEY_PREVIOUS: OLD_HESDA,
      HESDA_SECRET_KEY_PREVIOUS_UNTIL: UNTIL,
    });
    const ids = ['trx-baru-001', 'trx-lama-002', 'trx-palsu-003', 'trx-telat-004'];
    const seeded = await Promise.all(ids.map((id) => seedTransaction(w, id)));
    const status = async (i: number) =>
      (
        await w.database.db
          .selectFrom('ppob_transactions')
          .select('status')
          .where('id', '=', seeded[i]?.id ?? -1)
          .executeTakeFirstOrThrow()
      ).status;

    const fresh = await postHesda(w.app, update('trx-baru-001', 'success'), { secret: NEW_HESDA });
    expect(fresh.statusCode).toBe(200);
    expect(await previousKeyCount(w, 'hesda')).toBe(0);

    const stale = await postHesda(w.app, update('trx-lama-002', 'success'), { secret: OLD_HESDA });
    expect(stale.statusCode).toBe(200);
    expect(stale.json()).toMatchObject({ status: 'success', outcome: 'processed' });
    expect(await status(1)).toBe('success');
    expect(await previousKeyCount(w, 'hesda')).toBe(1);
    expect(logLines.filter((l) => l.includes('previous secret key'))).toHaveLength(1);
    expect(logLines.join('\n')).not.toContain(OLD_HESDA);

    const forged = await postHesda(w.app, update('trx-palsu-003', 'success'), { secret: 'another-secret-0123456' });
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ status: 'error', error: { code: 'INVALID_SIGNATURE' } });
    expect(await status(2)).toBe('pending');

    w.runtime.advance(HOUR);
    const late = await postHesda(w.app, update('trx-telat-004', 'success'), { secret: OLD_HESDA });
    expect(late.statusCode).toBe(401);
    expect(late.json()).toMatchObject({ status: 'error', error: { code: 'INVALID_SIGNATURE' } });
    expect(await status(3)).toBe('pending');
    expect((await postHesda(w.app, update('trx-telat-004', 'success'), { secret: NEW_HESDA })).statusCode).toBe(200);
    expect(await status(3)).toBe('success');
    expect(await previousKeyCount(w, 'hesda')).toBe(1);
  });

  it('Hesda: without a rotation the old key is just a wrong key (401)', async () => {
    const w = await open({ HESDA_SECRET_KEY: NEW_HESDA });
    await seedTransaction(w, 'trx-lama-009');
    const res = await postHesda(w.app, update('trx-lama-009', 'success'), { secret: OLD_HESDA });
    expect(res.statusCode).toBe(401);
    expect(await previousKeyCount(w, 'hesda')).toBe(0);
  });
});
