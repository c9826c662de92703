import { afterEach, describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS } from '../../src/mail/claim.js';
import type { MailTransport } from '../../src/mail/index.js';
import { enqueueMail, smtpTransport } from '../../src/mail/index.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { MailWorld } from '../helpers/mail/mail-world.js';
import { licenseMail, openMailWorld } from '../helpers/mail/mail-world.js';
import { DIALECTS } from '../helpers/world.js';

describe.each(DIALECTS)('mail is never sent twice (%s)', (dialect) => {
  let world: MailWorld;
  afterEach(async () => {
    await world?.close();
  });

  it('retried Lynk delivery queues no second mail and the buyer gets one', async () => {
    world = await openMailWorld(dialect);
    const smtp = await world.smtpServer();
    const body = payment({ items: [{ title: 'E-book Ekspor', uuid: 'prod-ebook', qty: 2 }] });
    const worker = world.smtpWorker(smtp.port);

    expect((await postLynk(world.app, body)).json()).toMatchObject({ duplicate: false });
    expect(await worker.drain()).toBe(1);
    // Lynk retries after the mail went out (its own timeout): still one mail.
    expect((await postLynk(world.app, body)).json()).toMatchObject({ duplicate: true });
    expect(await worker.drain()).toBe(0);

    expect(await world.outbox()).toHaveLength(1);
    expect(smtp.received).toHaveLength(1);
  });

  it('the same dedupe key queued twice keeps the first mail only', async () => {
    world = await openMailWorld(dialect);
    const now = world.runtime.now();
    await enqueueMail(world.database.db, licenseMail('A-1'), now);
    await enqueueMail(world.database.db, { ...licenseMail('A-1'), to: 'other@example.com', subject: 'lain' }, now + 5);

    const rows = await world.outbox();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      dedupe_key: 'license:A-1',
      to_address: 'budi@example.com',
      subject: 'Pembayaran Berhasil - Order #A-1',
      created_at: now,
    });
  });

  it('two workers draining the same outbox at once send each of 50 mails exactly once', async () => {
    world = await openMailWorld(dialect);
    const smtp = await world.smtpServer();
    const orderNos = Array.from({ length: 50 }, (_, i) => `C-${String(i + 1).padStart(2, '0')}`);
    for (const orderNo of orderNos) await enqueueMail(world.database.db, licenseMail(orderNo), world.runtime.now());
    // Two instances on one database (on PostgreSQL each claim runs on its own pooled connection).
    // SMTP_URL's `pool=true` reuses SMTP connections: the test server greets each new one only
    // after 100 ms, which would make 50 mails slow without changing what is proven.
    const first = world.mailWorker(smtpTransport(`${smtp.url}?pool=true`));
    const second = world.mailWorker(smtpTransport(`${smtp.url}?pool=true`));

    const attempted = await Promise.all([first.drain(), second.drain()]);

    // Both really worked in parallel, and together they attempted each mail once.
    expect(attempted[0]).toBeGreaterThan(0);
    expect(attempted[1]).toBeGreaterThan(0);
    expect(attempted[0] + attempted[1]).toBe(50);
    expect(smtp.received.map((m) => m.subject).sort()).toEqual(
      orderNos.map((orderNo) => `Pembayaran Berhasil - Order #${orderNo}`),
    );
    const rows = await world.outbox();
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    expect(await Promise.all([first.drain(), second.drain()])).toEqual([0, 0]);
    expect(smtp.received).toHaveLength(50);
  });

  it('a mail sent again after a crash between SMTP accepting it and the outbox marking it carries the same Message-ID', async () => {
    world = await openMailWorld(dialect);
    const smtp = await world.smtpServer();
    for (const orderNo of ['M-1', 'M-2'])
      await enqueueMail(world.database.db, licenseMail(orderNo), world.runtime.now());
    const worker = world.smtpWorker(smtp.port);
    expect(await worker.drain()).toBe(2);
    // The window exactly-once cannot close: SMTP took M-1, then the process died before the
    // update, so the row is still `sending` under a lease that runs out.
    await world.database.db
      .updateTable('mail_outbox')
      .set({ status: 'sending', sent_at: null, lease_until: world.runtime.now() - 1 })
      .where('dedupe_key', '=', 'license:M-1')
      .execute();
    expect(await worker.drain()).toBe(1);

    const ids = smtp.received.map((m) => [m.subject, m.headers.get('message-id')]);
    expect(ids.map(([subject]) => subject)).toEqual([
      'Pembayaran Berhasil - Order #M-1',
      'Pembayaran Berhasil - Order #M-2',
      'Pembayaran Berhasil - Order #M-1',
    ]);
    const [first, second, again] = ids.map(([, id]) => id);
    // One message, one id (RFC 5322 §3.6.4), at the sender's domain: receivers drop the copy.
    expect(first).toMatch(/^<gerbang\.[0-9a-f]{32}@kei\.example>$/);
    expect(again).toBe(first);
    expect(second).not.toBe(first);
    const rows = await world.outbox();
    expect(rows.find((r) => r.dedupe_key === 'license:M-1')?.smtp_message_id).toBe(first);
  });

  it('behind a slow SMTP server a worker sends no mail whose lease another worker took over', async () => {
    world = await openMailWorld(dialect);
    const smtp = await world.smtpServer();
    for (const orderNo of ['S-1', 'S-2', 'S-3']) {
      await enqueueMail(world.database.db, licenseMail(orderNo), world.runtime.now());
    }
    const other = world.smtpWorker(smtp.port);
    // Each send takes just over half a lease; during the second one another instance polls, when
    // the lease taken for the whole batch has run out.
    const smtpToSink = smtpTransport(smtp.url);
    let sends = 0;
    const slow: MailTransport = {
      kind: 'smtp',
      async send(mail) {
        sends += 1;
        world.runtime.advance(CLAIM_LEASE_MS / 2 + 1);
        if (sends === 2) await other.drain();
        return smtpToSink.send(mail);
      },
      close: () => smtpToSink.close(),
    };

    await world.mailWorker(slow).drain();

    expect(smtp.received.map((m) => m.subject).sort()).toEqual([
      'Pembayaran Berhasil - Order #S-1',
      'Pembayaran Berhasil - Order #S-2',
      'Pembayaran Berhasil - Order #S-3',
    ]);
    const rows = await world.outbox();
    expect(rows.map((r) => [r.dedupe_key, r.status])).toEqual([
      ['license:S-1', 'sent'],
      ['license:S-2', 'sent'],
      ['license:S-3', 'sent'],
    ]);
  });
});

// Row locks are PostgreSQL's: SQLite has one writer, so its claim needs no SKIP LOCKED.
describe.each(DIALECTS.filter((d) => d === 'postgres'))('claiming mail on %s', (dialect) => {
  let world: MailWorld;
  afterEach(async () => {
    await world?.close();
  });

  it('a mail another instance is claiming right now is skipped, neither waited for nor sent twice', async () => {
    world = await openMailWorld(dialect);
    const smtp = await world.smtpServer();
    for (const orderNo of ['L-1', 'L-2', 'L-3']) {
      await enqueueMail(world.database.db, licenseMail(orderNo), world.runtime.now());
    }
    const worker = world.smtpWorker(smtp.port);

    await world.database.db.transaction().execute(async (otherInstance) => {
      // The other instance's claim has locked L-1 and not yet committed.
      await otherInstance
        .selectFrom('mail_outbox')
        .select('id')
        .where('dedupe_key', '=', 'license:L-1')
        .forUpdate()
        .execute();
      let timer: NodeJS.Timeout | undefined;
      const blocked = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the claim waited for a row another instance holds')), 3000);
      });
      try {
        expect(await Promise.race([worker.drain(), blocked])).toBe(2);
      } finally {
        clearTimeout(timer);
      }
    });

    expect(smtp.received.map((m) => m.subject)).toEqual([
      'Pembayaran Berhasil - Order #L-2',
      'Pembayaran Berhasil - Order #L-3',
    ]);
    // That instance rolled back (it died): the mail is still pending and goes out once.
    expect(await worker.drain()).toBe(1);
    expect(smtp.received.map((m) => m.subject)).toHaveLength(3);
    expect(smtp.received[2]?.subject).toBe('Pembayaran Berhasil - Order #L-1');
  });
});
