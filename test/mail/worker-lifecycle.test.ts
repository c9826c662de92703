import { afterEach, describe, expect, it, vi } from 'vitest';
import { payment, postLynk } from '../helpers/lynk.js';
import type { MailWorld } from '../helpers/mail/mail-world.js';
import { openMailWorld } from '../helpers/mail/mail-world.js';
import { DIALECTS } from '../helpers/world.js';

// The poll interval is the longest allowed, so anything delivered within a few seconds came from a
// nudge, never from polling.
const env = { MAIL_POLL_INTERVAL_MS: '60000' };
const soon = { timeout: 5000, interval: 20 };

describe.each(DIALECTS)('mail worker start, nudge and stop (%s)', (dialect) => {
  let world: MailWorld;
  afterEach(async () => {
    await world?.close();
  });

  it('a webhook nudges the running worker, which sends at once instead of at the next poll', async () => {
    world = await openMailWorld(dialect, env);
    const smtp = await world.smtpServer();
    const worker = world.smtpWorker(smtp.port);

    // Queued before start: the webhook's nudge reaches a worker that is not running, and is ignored.
    await postLynk(world.app, payment({ email: 'satu@example.com' }));
    expect((await world.outbox())[0]?.status).toBe('pending');

    // start() runs once at once, then waits a full poll interval.
    worker.start();
    await vi.waitFor(() => expect(smtp.received).toHaveLength(1), soon);

    await postLynk(world.app, payment({ email: 'dua@example.com' }));
    await vi.waitFor(() => expect(smtp.received).toHaveLength(2), soon);
    expect(smtp.received.map((m) => m.envelope.to[0])).toEqual(['satu@example.com', 'dua@example.com']);
    await vi.waitFor(async () => expect((await world.outbox()).map((r) => r.status)).toEqual(['sent', 'sent']), soon);
  });

  it('stop() waits for the run in progress, and nudges after it send nothing', async () => {
    world = await openMailWorld(dialect, env);
    // A slow provider, so stop() arrives while a mail is being handed over.
    const smtp = await world.smtpServer({ acceptDelayMs: 300 });
    const worker = world.smtpWorker(smtp.port);
    worker.start();
    await postLynk(world.app, payment({ email: 'satu@example.com' }));
    await vi.waitFor(() => expect(smtp.holding()).toBe(1), soon);
    expect((await world.outbox())[0]?.status).toBe('sending');

    await worker.stop();

    // Nothing is left half-done: the mail the run had claimed was sent and recorded before stop() resolved.
    expect(smtp.received).toHaveLength(1);
    expect((await world.outbox())[0]).toMatchObject({ status: 'sent', lease_until: null });

    await postLynk(world.app, payment({ email: 'dua@example.com' }));
    worker.nudge();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(smtp.received).toHaveLength(1);
    expect((await world.outbox())[1]).toMatchObject({ status: 'pending', attempts: 0 });
  });
});
