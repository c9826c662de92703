import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS, claimDueMails } from '../../src/mail/claim.js';
import { enqueueMail, retryDelayMs } from '../../src/mail/index.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { MailWorld } from '../helpers/mail/mail-world.js';
import { licenseMail, openMailWorld } from '../helpers/mail/mail-world.js';
import { DIALECTS } from '../helpers/world.js';

const SECOND = 1000;
const HOUR = 3_600_000;

describe('retryDelayMs', () => {
  it('waits one base after the first failure and doubles per further failure, capped at six hours', () => {
    expect([1, 2, 3, 4, 5].map((attempts) => retryDelayMs(30 * SECOND, attempts))).toEqual([
      30 * SECOND,
      60 * SECOND,
      120 * SECOND,
      240 * SECOND,
      480 * SECOND,
    ]);
    expect(retryDelayMs(30 * SECOND, 0)).toBe(30 * SECOND);
    expect(retryDelayMs(30 * SECOND, 20)).toBe(6 * HOUR);
    expect(retryDelayMs(3600 * SECOND, 100)).toBe(6 * HOUR);
  });
});

describe.each(DIALECTS)('mail retries (%s)', (dialect) => {
  let world: MailWorld;
  afterEach(async () => {
    await world?.close();
  });

  it('an SMTP outage keeps the mail pending until its back-off passes, then it is delivered exactly once', async () => {
    world = await openMailWorld(dialect, { MAIL_RETRY_BASE_SECONDS: '30' });
    // A port we know nothing listens on: the provider is down.
    const down = await world.smtpServer();
    await down.close();
    await postLynk(world.app, payment({ email: 'budi@example.com' }));
    const worker = world.smtpWorker(down.port);
    const failedAt = world.runtime.now();

    expect(await worker.drain()).toBe(1);
    const [pending] = await world.outbox();
    expect(pending).toMatchObject({
      status: 'pending',
      attempts: 1,
      next_attempt_at: failedAt + 30 * SECOND,
      lease_until: null,
      sent_at: null,
      transport: null,
    });
    expect(pending?.last_error).toMatch(/ECONNREFUSED|connect/i);

    world.runtime.advance(30 * SECOND - 1);
    expect(await worker.drain()).toBe(0);

    // The provider comes back on the same address; the same worker (same SMTP_URL) recovers.
    const smtp = await world.smtpServer({ port: down.port });
    expect(await worker.drain()).toBe(0);
    expect(smtp.received).toHaveLength(0);

    world.runtime.advance(1);
    expect(await worker.drain()).toBe(1);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.envelope.to).toEqual(['budi@example.com']);
    const [sent] = await world.outbox();
    expect(sent).toMatchObject({ status: 'sent', transport: 'smtp', attempts: 2, last_error: null });

    world.runtime.advance(24 * HOUR);
    expect(await worker.drain()).toBe(0);
    expect(smtp.received).toHaveLength(1);
  });

  it('consecutive failures double the wait, and after MAIL_MAX_ATTEMPTS the mail is failed and left alone', async () => {
    world = await openMailWorld(dialect, { MAIL_RETRY_BASE_SECONDS: '30', MAIL_MAX_ATTEMPTS: '4' });
    // The server is up but answers 451 to every recipient (greylisting, a full mailbox).
    const smtp = await world.smtpServer({ rejectRecipients: true });
    await postLynk(world.app, payment());
    const worker = world.smtpWorker(smtp.port);

    for (const [attempt, wait] of [
      [1, 30 * SECOND],
      [2, 60 * SECOND],
      [3, 120 * SECOND],
    ] as const) {
      const now = world.runtime.now();
      expect(await worker.drain()).toBe(1);
      const [row] = await world.outbox();
      expect(row).toMatchObject({ status: 'pending', attempts: attempt, next_attempt_at: now + wait });
      expect(row?.last_error).toContain('451');
      world.runtime.advance(wait - 1);
      expect(await worker.drain()).toBe(0);
      world.runtime.advance(1);
    }

    expect(await worker.drain()).toBe(1);
    const [failed] = await world.outbox();
    expect(failed).toMatchObject({ status: 'failed', attempts: 4, lease_until: null, sent_at: null });
    expect(smtp.rejected).toHaveLength(4);

    world.runtime.advance(7 * 24 * HOUR);
    expect(await worker.drain()).toBe(0);
    expect(await claimDueMails(world.database.db, dialect, world.runtime.now(), 20)).toEqual([]);
    expect(smtp.rejected).toHaveLength(4);
    expect(smtp.received).toHaveLength(0);
  });

  it('an outage longer than MAIL_MAX_ATTEMPTS allows does not fail the mail: it waits and goes out once', async () => {
    // Defence: only a server that refused the mail uses up its attempts (src/mail/smtp-failure.ts).
    world = await openMailWorld(dialect, { MAIL_RETRY_BASE_SECONDS: '30', MAIL_MAX_ATTEMPTS: '2' });
    const down = await world.smtpServer();
    await down.close();
    await postLynk(world.app, payment());
    const worker = world.smtpWorker(down.port);
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect(await worker.drain()).toBe(1);
      const [row] = await world.outbox();
      expect(row).toMatchObject({ status: 'pending', attempts: attempt, sent_at: null });
      world.runtime.advance(retryDelayMs(30 * SECOND, attempt));
    }
    const smtp = await world.smtpServer({ port: down.port });
    expect(await worker.drain()).toBe(1);
    expect(smtp.received).toHaveLength(1);
    expect((await world.outbox())[0]).toMatchObject({ status: 'sent', attempts: 6, last_error: null });
  });

  it('while SMTP cannot be reached a batch costs one connection: the rest wait with it, attempts untouched', async () => {
    world = await openMailWorld(dialect, { MAIL_RETRY_BASE_SECONDS: '30' });
    // A server that accepts TCP and hangs up at once (a crashed relay behind a live port), counting connections.
    let connections = 0;
    const hangUp = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    const port = (hangUp.address() as AddressInfo).port;
    const orderNos = ['B-1', 'B-2', 'B-3', 'B-4', 'B-5'];
    for (const orderNo of orderNos) await enqueueMail(world.database.db, licenseMail(orderNo), world.runtime.now());
    const worker = world.smtpWorker(port);
    const failedAt = world.runtime.now();

    expect(await worker.drain()).toBe(1);
    expect(connections).toBe(1);
    const rows = await world.outbox();
    expect(rows.map((r) => [r.status, r.attempts, r.next_attempt_at, r.lease_until])).toEqual([
      ['pending', 1, failedAt + 30 * SECOND, null],
      ...orderNos.slice(1).map(() => ['pending', 0, failedAt + 30 * SECOND, null]),
    ]);
    expect(await worker.drain()).toBe(0);
    expect(connections).toBe(1);

    // The relay comes back on the same port: all five go out, each once.
    await new Promise<void>((resolve) => hangUp.close(() => resolve()));
    const smtp = await world.smtpServer({ port });
    world.runtime.advance(30 * SECOND);
    expect(await worker.drain()).toBe(5);
    expect(smtp.received.map((m) => m.subject).sort()).toEqual(
      orderNos.map((orderNo) => `Pembayaran Berhasil - Order #${orderNo}`),
    );
    expect((await world.outbox()).map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 2],
      ...orderNos.slice(1).map(() => ['sent', 1]),
    ]);
  });

  it('a mail claimed by a worker that died is sent by another worker once its lease ran out, not before', async () => {
    world = await openMailWorld(dialect);
    const smtp = await world.smtpServer();
    await postLynk(world.app, payment());
    // The first worker claims the mail and dies before sending: the row stays `sending` under its lease.
    const [claimed] = await claimDueMails(world.database.db, dialect, world.runtime.now(), 20);
    expect(claimed).toMatchObject({
      status: 'sending',
      attempts: 1,
      lease_until: world.runtime.now() + CLAIM_LEASE_MS,
    });
    const worker = world.smtpWorker(smtp.port);

    // While the lease holds, the first worker might still be sending: taking it over could send twice.
    expect(await worker.drain()).toBe(0);
    world.runtime.advance(CLAIM_LEASE_MS);
    expect(await worker.drain()).toBe(0);

    world.runtime.advance(1);
    expect(await worker.drain()).toBe(1);
    expect(smtp.received).toHaveLength(1);
    const [row] = await world.outbox();
    expect(row).toMatchObject({ status: 'sent', attempts: 2, lease_until: null });
    expect(await worker.drain()).toBe(0);
  });
});
