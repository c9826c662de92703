import { afterEach, describe, expect, it } from 'vitest';
import { payment } from '../helpers/lynk.js';
import type { MailWorld } from '../helpers/mail/mail-world.js';
import { openMailWorld } from '../helpers/mail/mail-world.js';
import { DIALECTS } from '../helpers/world.js';
import { postLynkTimed } from './outage-http.js';

const SECOND = 1000;

/**
 * The mail provider away for a while, in its two ways — refusing connections, then up but answering
 * 451 to every recipient — while payments keep arriving over real HTTP; then back. test/mail/retry
 * proves each way alone on one mail; this proves the sequence with mail queued at every stage:
 * every webhook still answers 200 (mail never blocks a payment), every mail waits, none is marked
 * failed, and once SMTP is back the real SMTP server receives each mail exactly once.
 */
describe.each(DIALECTS)('SMTP outage while payments arrive (%s)', (dialect) => {
  let world: MailWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('mail queued while SMTP refuses, then defers, goes out once when it is back', async () => {
    const w = await openMailWorld(dialect, {
      MAIL_RETRY_BASE_SECONDS: '30',
      PRODUCT_RULES: '[{"uuid":"prod-ebook","action":"license"}]',
    });
    world = w;
    await w.app.listen({ host: '127.0.0.1', port: 0 });
    const address = w.app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const pay = async (emails: string[]) => {
      for (const email of emails) expect((await postLynkTimed(base, payment({ email }))).status).toBe(200);
    };
    const statuses = async () => (await w.outbox()).map((m) => m.status);

    // Down: nothing listens on the port the worker knows.
    const down = await w.smtpServer();
    await down.close();
    const worker = w.smtpWorker(down.port);
    await pay(['a@example.com', 'b@example.com', 'c@example.com']);
    const queuedFirst = (await w.outbox()).length;
    expect(queuedFirst).toBeGreaterThanOrEqual(3);
    // One failed connection ends the run: the other mails wait with the first, attempts untouched.
    expect(await worker.drain()).toBe(1);
    expect(new Set(await statuses())).toEqual(new Set(['pending']));
    expect((await w.outbox()).map((m) => m.attempts).sort()).toEqual([1, ...Array(queuedFirst - 1).fill(0)].sort());

    // Up again but deferring every recipient (451), while more payments come in.
    const deferring = await w.smtpServer({ port: down.port, rejectRecipients: true });
    await pay(['d@example.com', 'e@example.com']);
    w.runtime.advance(30 * SECOND);
    const queued = (await w.outbox()).length;
    expect(await worker.drain()).toBe(queued);
    expect(deferring.received).toHaveLength(0);
    expect(deferring.rejected.length).toBe(queued);
    expect(new Set(await statuses())).toEqual(new Set(['pending']));
    await deferring.close();

    // Back for good: after the longest back-off (60 s for the mails tried twice) all go out once.
    const smtp = await w.smtpServer({ port: down.port });
    w.runtime.advance(60 * SECOND);
    expect(await worker.drain()).toBe(queued);
    expect(smtp.received).toHaveLength(queued);
    const rows = await w.outbox();
    expect(rows.every((m) => m.status === 'sent')).toBe(true);
    const received = smtp.received.map((m) => `${m.envelope.to.join(',')} ${m.subject}`).sort();
    expect(received).toEqual(rows.map((m) => `${m.to_address} ${m.subject}`).sort());
    expect(new Set(received).size).toBe(queued);
    for (const email of ['a', 'b', 'c', 'd', 'e'])
      expect(smtp.received.some((m) => m.envelope.to.includes(`${email}@example.com`))).toBe(true);

    // Nothing is sent a second time later.
    w.runtime.advance(24 * 3600 * SECOND);
    expect(await worker.drain()).toBe(0);
    expect(smtp.received).toHaveLength(queued);
  });
});
