import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { revokeLicense } from '../../src/licenses/index.js';
import { claimDueDeliveries, resendDelivery, webhookRetryDelayMs } from '../../src/webhooks-out/index.js';
import { addMember, PASSWORD, TestDevice } from '../helpers/auth.js';
import { buyLicense, LICENSE_RULES, licenseApi, licenseDeps } from '../helpers/license-world.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';
import type { Receiver } from './receiver.js';
import { receiverFor, webhookWorker } from './receiver.js';

const DAY_MS = 86_400_000;

describe.each(DIALECTS)('webhooks to the seller’s systems (%s)', (dialect) => {
  const open = worldPerTest(dialect);
  const receivers: Receiver[] = [];
  afterEach(async () => {
    for (const r of receivers.splice(0)) await r.close();
  });
  const setUp = async (events: Parameters<typeof receiverFor>[1] = [], env: Record<string, string> = {}) => {
    const world = await open({ PRODUCT_RULES: LICENSE_RULES, ...env });
    const receiver = await receiverFor(world, events);
    receivers.push(receiver);
    return { world, receiver, worker: webhookWorker(world) };
  };
  const deliveryRows = (world: World) =>
    world.database.db.selectFrom('webhook_deliveries').selectAll().orderBy('id').execute();

  it('a payment sends order.paid and license.issued, signed per Standard Webhooks, each once', async () => {
    const { world, receiver, worker } = await setUp();
    const paidTwice = payment({
      email: 'budi@example.com',
      items: [{ title: 'Tiga Perangkat', uuid: 'u-3', qty: 2, price: 50000 }],
    });
    const res = await postLynk(world.app, paidTwice);
    expect(res.json().outcome).toBe('processed');
    await worker.drain();
    await worker.drain();
    expect(receiver.received.map((r) => r.type).sort()).toEqual(['license.issued', 'license.issued', 'order.paid']);
    for (const r of receiver.received) {
      expect(r.signatureValid, r.type).toBe(true);
      expect(r.id).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
      expect(r.timestamp).toBe(Math.floor(world.runtime.now() / 1000));
      expect(r.body.timestamp).toBe(new Date(world.runtime.now()).toISOString());
    }
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(3);
    const [paid] = receiver.accepted('order.paid');
    expect(paid?.body.data).toMatchObject({
      order: { order_no: expect.stringMatching(/^KEI-/), grand_total: expect.any(Number) },
      customer: { email: 'budi@example.com' },
      items: [{ title: 'Tiga Perangkat', qty: 2 }],
    });
    const keys = await world.database.db.selectFrom('licenses').select('license_key').orderBy('id').execute();
    expect(receiver.accepted('license.issued').map((r) => (r.body.data.license as { key: string }).key)).toEqual(
      keys.map((k) => k.license_key),
    );
    expect((await deliveryRows(world)).every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    // A Lynk retry of the same payment changes nothing, so it announces nothing.
    expect((await postLynk(world.app, paidTwice)).json().duplicate).toBe(true);
    await worker.drain();
    expect(receiver.received).toHaveLength(3);
  });

  it('activation, deactivation, takeover and revocation each send their license event', async () => {
    const { world, receiver, worker } = await setUp();
    const { id, key } = await buyLicense(world, 'Ambil Alih');
    // Drained after each step: a batch's calls run concurrently, so only steps have an order.
    await worker.drain();
    const first = await licenseApi(world, 'activate', { key, fingerprint: 'A', name: 'Laptop' });
    await worker.drain();
    world.runtime.advance(1000);
    await licenseApi(world, 'activate', { key, fingerprint: 'B', name: 'PC' });
    await worker.drain();
    await licenseApi(world, 'deactivate', { key, fingerprint: 'B' });
    await worker.drain();
    expect(await revokeLicense(licenseDeps(world), id, CLI_ACTOR, 'refund')).toEqual({ ok: true });
    await worker.drain();
    const types = receiver.accepted().map((r) => r.type);
    expect(types.filter((t) => t !== 'order.paid' && t !== 'license.issued')).toEqual([
      'license.activated',
      // B takes the one-device license over: A's activation ends, then B's begins (one transaction).
      expect.stringMatching(/^license\.(de)?activated$/),
      expect.stringMatching(/^license\.(de)?activated$/),
      'license.deactivated',
      'license.revoked',
    ]);
    const byType = (t: string) => receiver.accepted(t).map((r) => r.body.data);
    expect(byType('license.activated')[0]).toMatchObject({
      license: { id, key, status: 'active', max_devices: 1 },
      activation: { id: first.json().activation.id, name: 'Laptop' },
    });
    expect(byType('license.deactivated').map((d) => d.reason)).toEqual(['takeover', 'deactivated']);
    expect(byType('license.revoked')[0]).toMatchObject({ reason: 'refund', license: { status: 'revoked' } });
    // Nothing device-identifying leaves: no fingerprint, no hash.
    const hashes = await world.database.db.selectFrom('license_activations').select('fingerprint_hash').execute();
    for (const r of receiver.received) for (const h of hashes) expect(r.raw).not.toContain(h.fingerprint_hash);
  });

  it('member.created for a membership payment and session.takeover when a member keeps a second device', async () => {
    const { world, receiver, worker } = await setUp(['member.created', 'session.takeover']);
    await postLynk(
      world.app,
      payment({ email: 'ani@example.com', items: [{ title: 'Daftar Member KEI', uuid: 'm', qty: 1, price: 1 }] }),
    );
    await addMember(world, 'sari@example.com', { name: 'Sari' });
    const laptop = new TestDevice(world.app, { fingerprint: 'a'.repeat(64) });
    expect((await laptop.login('sari@example.com', PASSWORD)).statusCode).toBe(303);
    const phone = new TestDevice(world.app, { fingerprint: 'b'.repeat(64) });
    expect((await phone.loginKeepingHere('sari@example.com', PASSWORD)).statusCode).toBe(303);
    await worker.drain();
    expect(receiver.accepted().map((r) => r.type)).toEqual(['member.created', 'session.takeover']);
    expect(receiver.accepted('member.created')[0]?.body.data).toMatchObject({
      member: { email: 'ani@example.com' },
      source: 'payment',
      order_no: expect.stringMatching(/^KEI-/),
    });
    expect(receiver.accepted('session.takeover')[0]?.body.data).toMatchObject({
      member: { email: 'sari@example.com' },
      ended_devices: 1,
    });
    // The endpoint's filter: nothing else was even queued for it.
    expect((await deliveryRows(world)).length).toBe(2);
  });

  it('receiver down for a while: retried with back-off, delivered later, once per id', async () => {
    const { world, receiver, worker } = await setUp();
    await receiver.down();
    await buyLicense(world, 'Satu Perangkat');
    await worker.drain();
    const waiting = await deliveryRows(world);
    expect(waiting.map((d) => [d.status, d.attempts])).toEqual([
      ['pending', 1],
      ['pending', 1],
    ]);
    const attempt = await world.database.db.selectFrom('webhook_attempts').selectAll().executeTakeFirstOrThrow();
    expect(attempt.error).toBe('ECONNREFUSED');
    // Six more refused attempts, each at its back-off; nothing is retried early.
    for (let made = 1; made <= 6; made++) {
      world.runtime.advance(webhookRetryDelayMs(made) - 1000);
      expect(await worker.drain()).toBe(0);
      world.runtime.advance(1000);
      expect(await worker.drain()).toBe(2);
    }
    // Then it answers 503 for a while, and finally comes back.
    await receiver.up();
    receiver.failWith = 503;
    world.runtime.advance(webhookRetryDelayMs(7));
    await worker.drain();
    receiver.failWith = null;
    world.runtime.advance(webhookRetryDelayMs(8));
    await worker.drain();
    world.runtime.advance(DAY_MS);
    await worker.drain();
    const delivered = await deliveryRows(world);
    expect(delivered.map((d) => [d.status, d.attempts])).toEqual([
      ['delivered', 9],
      ['delivered', 9],
    ]);
    // The receiver saw each event twice (503, then 204), always under the same id and signed.
    const ids = [...new Set(receiver.received.map((r) => r.id))];
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      const calls = receiver.received.filter((r) => r.id === id);
      expect(calls.map((c) => c.status)).toEqual([503, 204]);
      expect(calls.every((c) => c.signatureValid)).toBe(true);
      expect(new Set(calls.map((c) => c.raw)).size).toBe(1);
    }
    const log = await world.database.db.selectFrom('webhook_attempts').select('id').execute();
    expect(log).toHaveLength(18);
  });

  it('retries for at least three days, then keeps the delivery as failed; "Kirim ulang" sends it with the same id', async () => {
    const { world, receiver, worker } = await setUp(['license.revoked']);
    const { id } = await buyLicense(world, 'Satu Perangkat');
    receiver.failWith = 500;
    await revokeLicense(licenseDeps(world), id, CLI_ACTOR);
    const start = world.runtime.now();
    let last = start;
    for (let i = 0; i < 60; i++) {
      last = world.runtime.now();
      await worker.drain();
      const [d] = await deliveryRows(world);
      if (d?.status !== 'pending') break;
      world.runtime.current = Number(d.next_attempt_at);
    }
    const [failed] = await deliveryRows(world);
    expect(failed?.status).toBe('failed');
    expect(last - start).toBe(3 * DAY_MS);
    expect(failed?.attempts).toBeGreaterThanOrEqual(15);
    expect(receiver.accepted()).toHaveLength(0);
    receiver.failWith = null;
    world.runtime.advance(DAY_MS);
    expect(await resendDelivery(world.database.db, failed?.id ?? 0, world.runtime.now())).toBe(true);
    await worker.drain();
    const ids = new Set(receiver.received.map((r) => r.id));
    expect(ids.size).toBe(1);
    expect(receiver.accepted()).toHaveLength(1);
  });

  it('a delivery claimed by a worker that died goes out after its lease, by another worker, once', async () => {
    const { world, receiver, worker } = await setUp(['license.issued']);
    await buyLicense(world, 'Satu Perangkat');
    const claimed = await claimDueDeliveries(
      world.database.db,
      world.database.dialect,
      world.runtime.now(),
      10,
      60_000,
    );
    expect(claimed).toHaveLength(1);
    expect(await worker.drain()).toBe(0);
    world.runtime.advance(60_001);
    expect(await worker.drain()).toBe(1);
    expect(await worker.drain()).toBe(0);
    expect(receiver.accepted()).toHaveLength(1);
  });

  it('license.expired is announced once when a license passes its expiry', async () => {
    const { world, receiver, worker } = await setUp(['license.expired']);
    const { key } = await buyLicense(world, 'Setahun');
    await worker.drain();
    world.runtime.advance(365 * DAY_MS - 1000);
    await worker.drain();
    expect(receiver.received).toHaveLength(0);
    world.runtime.advance(1000);
    await worker.drain();
    await worker.drain();
    world.runtime.advance(DAY_MS);
    await worker.drain();
    expect(receiver.accepted().map((r) => r.type)).toEqual(['license.expired']);
    expect(receiver.accepted()[0]?.body.data).toMatchObject({ license: { key, status: 'expired' } });
  });

  it('nothing is queued, and no event data is built, while no endpoint listens', async () => {
    const world = await open({ PRODUCT_RULES: LICENSE_RULES });
    const { key } = await buyLicense(world, 'Satu Perangkat');
    await licenseApi(world, 'activate', { key, fingerprint: 'A' });
    expect(await world.database.db.selectFrom('webhook_messages').select('id').execute()).toEqual([]);
  });
});
