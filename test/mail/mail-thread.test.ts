import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WORKER_SIDE, WriteGate } from '../../src/db/index.js';
import type { Log } from '../../src/logger.js';
import type { StartMailThread } from '../../src/mail/index.js';
import { MailThread } from '../../src/mail/index.js';
import { payment, postLynk } from '../helpers/lynk.js';
import { startSourceMailThread } from '../helpers/mail-thread.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

/**
 * The SQLite mail worker in its own thread (src/mail-thread.ts) on its own connection, as the
 * server runs it: webhooks on the server's connection queue the mail, the thread sends it.
 */
const soon = { timeout: 20_000, interval: 50 };
// The longest poll: whatever is sent within the test came from a nudge or a lease running out.
const env = { MAIL_POLL_INTERVAL_MS: '60000', MAIL_LEASE_SECONDS: '5' };

describe('the SQLite mail thread', () => {
  let world: World | undefined;
  let thread: MailThread | undefined;
  afterEach(async () => {
    await thread?.stop();
    await world?.close();
    thread = undefined;
    world = undefined;
  });

  async function open(start: StartMailThread = startSourceMailThread) {
    let nudge = () => {};
    world = await createWorld('sqlite', env, { onMailQueued: () => nudge() });
    const writeGate = world.database.writeGate;
    if (!writeGate) throw new Error('SQLite has a write gate');
    const gate = new WriteGate(writeGate, WORKER_SIDE, 0);
    const errors: unknown[] = [];
    const quiet = () => {};
    const log = { debug: quiet, info: quiet, warn: quiet, error: (...args: unknown[]) => void errors.push(args) };
    thread = new MailThread({
      data: { config: world.config, writeGate },
      log: log as Log,
      start,
      restartDelayMs: 100,
      onThreadLost: () => gate.releaseFor(WORKER_SIDE),
    });
    const running = thread;
    nudge = () => running.nudge();
    return { world, thread: running, errors };
  }

  const outbox = (w: World) =>
    w.database.db.selectFrom('mail_outbox').select(['id', 'status', 'attempts', 'to_address']).orderBy('id').execute();

  async function pay(w: World, count: number, from = 0) {
    for (let i = from; i < from + count; i++) {
      const res = await postLynk(w.app, payment({ email: `pembeli${i}@example.com` }));
      expect(res.statusCode).toBe(200);
    }
  }

  it('sends every queued mail once, nudged by the webhooks that queued it', async () => {
    const { world: w, thread: t } = await open();
    await pay(w, 3);
    t.start();
    await vi.waitFor(async () => expect((await outbox(w)).every((m) => m.status === 'sent')).toBe(true), soon);
    // Queued while the thread runs: a nudge, not the (one-minute) poll, sends it.
    await pay(w, 2, 3);
    await vi.waitFor(async () => {
      const rows = await outbox(w);
      expect(rows).toHaveLength(5);
      expect(rows.every((m) => m.status === 'sent' && m.attempts === 1)).toBe(true);
    }, soon);
    expect(new Set((await outbox(w)).map((m) => m.to_address)).size).toBe(5);
  });

  it('a thread that dies is replaced, the server keeps writing, and every mail ends sent once', async () => {
    const started: Worker[] = [];
    const {
      world: w,
      thread: t,
      errors,
    } = await open((data) => {
      const worker = startSourceMailThread(data);
      started.push(worker);
      return worker;
    });
    await pay(w, 150);
    t.start();
    // Killed as soon as it has taken mail: mid-batch, its claimed mails wait for their lease.
    await vi.waitFor(async () => expect((await outbox(w)).some((m) => m.status !== 'pending')).toBe(true), soon);
    await started[0]?.terminate();
    // The server's connection still writes (no lock or gate left behind by the dead thread).
    await pay(w, 5, 150);
    await vi.waitFor(() => expect(t.starts).toBe(2), soon);
    await vi.waitFor(async () => {
      const rows = await outbox(w);
      expect(rows).toHaveLength(155);
      expect(rows.filter((m) => m.status !== 'sent')).toEqual([]);
    }, soon);
    // One row per payment, each sent; none was given up on.
    expect(new Set((await outbox(w)).map((m) => m.to_address)).size).toBe(155);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('stop() lets the thread finish and close; nudges after it send nothing, and the server writes on', async () => {
    const { world: w, thread: t } = await open();
    t.start();
    await pay(w, 2);
    await vi.waitFor(async () => expect((await outbox(w)).every((m) => m.status === 'sent')).toBe(true), soon);
    await t.stop();
    await pay(w, 1, 2);
    t.nudge();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rows = await outbox(w);
    expect(rows.map((m) => m.status)).toEqual(['sent', 'sent', 'pending']);
  });
});
