import { afterEach, describe, expect, it } from 'vitest';
import type { SignedInMember } from '../../bench/realtime-members.js';
import { BENCH_PASSWORD, DEVICE_A_USER_AGENT, seedSignedInMembers } from '../../bench/realtime-members.js';
import { takeOverOnDeviceB } from '../../bench/realtime-takeover.js';
import { enqueueMail } from '../../src/mail/index.js';
import { waitFor } from '../helpers/gerbang-process.js';
import { payment } from '../helpers/lynk.js';
import { licenseMail } from '../helpers/mail/mail-world.js';
import type { SmtpSink } from '../helpers/mail/smtp-sink.js';
import { startSmtpSink } from '../helpers/mail/smtp-sink.js';
import type { Cluster } from '../helpers/scale/cluster.js';
import { CLUSTER_ENV, postLynkTo, sleep, startCluster } from '../helpers/scale/cluster.js';
import { SseConnection } from '../helpers/sse-client.js';
import { DIALECTS } from '../helpers/world.js';

/**
 * Several real server processes on one PostgreSQL schema: nothing an instance keeps in memory may
 * decide an outcome. (PostgreSQL only: SQLite is one process's file.)
 */
describe.each(DIALECTS.filter((d) => d === 'postgres'))('several instances on one database (%s)', () => {
  let cluster: Cluster | undefined;
  let sink: SmtpSink | undefined;
  afterEach(async () => {
    await cluster?.close();
    await sink?.close();
    cluster = undefined;
    sink = undefined;
  });

  function streamOn(c: Cluster, instance: number, member: SignedInMember, headers: Record<string, string> = {}) {
    return SseConnection.open(c.port(instance), '/api/realtime/stream', {
      cookie: `gerbang_session=${member.sessionCookie}; gerbang_device=${member.deviceCookie}`,
      'user-agent': DEVICE_A_USER_AGENT,
      ...headers,
    });
  }

  async function oneMember(c: Cluster): Promise<SignedInMember> {
    const [member] = (await seedSignedInMembers(c.config, 1)).members;
    if (!member) throw new Error('no member seeded');
    return member;
  }

  it('a takeover on instance 1 logs out the page streaming from instance 2', async () => {
    cluster = await startCluster(2);
    const member = await oneMember(cluster);
    const stream = await streamOn(cluster, 1, member);
    await stream.connected();

    const outcome = await takeOverOnDeviceB(cluster.url(0), member.email, BENCH_PASSWORD);
    expect(outcome.error).toBeNull();

    const event = await stream.nextEvent('session.revoked', 10_000);
    expect(JSON.parse(event.data ?? '{}')).toMatchObject({ type: 'session.revoked', reason: 'takeover' });
    await stream.ended;
    expect(stream.endedByServer).toBe(true);
    expect(stream.events()).toHaveLength(1);
  });

  it('a Lynk webhook retried to the other instance, or delivered to both at once, is processed once', async () => {
    cluster = await startCluster(2, { PRODUCT_RULES: '[{"uuid":"prod-ebook","action":"license"}]' });
    const retried = payment({ email: 'ani@example.com' });
    const first = await postLynkTo(cluster.url(0), retried);
    expect(first).toMatchObject({ status: 200, json: { duplicate: false, outcome: 'processed' } });
    expect(await postLynkTo(cluster.url(1), retried)).toMatchObject({ status: 200, json: { duplicate: true } });

    const raced = payment({ email: 'budi@example.com' });
    const answers = await Promise.all([postLynkTo(cluster.url(0), raced), postLynkTo(cluster.url(1), raced)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => (a.json as { duplicate: boolean }).duplicate).sort()).toEqual([false, true]);

    const count = async (table: 'webhook_events' | 'orders' | 'licenses' | 'mail_outbox') =>
      Number(
        (
          await cluster?.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        )?.n,
      );
    expect(await count('webhook_events')).toBe(2);
    expect(await count('orders')).toBe(2);
    expect(await count('licenses')).toBe(2);
    expect(await count('mail_outbox')).toBe(2);
  });

  it('500 mails queued while both instances’ workers run are each sent exactly once', async () => {
    sink = await startSmtpSink();
    // Mail queued by another process (this test) is found by the workers' poll, kept short here.
    cluster = await startCluster(2, { SMTP_URL: `${sink.url}?pool=true`, MAIL_POLL_INTERVAL_MS: '100' });
    const orderNos = Array.from({ length: 500 }, (_, i) => `S-${String(i + 1).padStart(3, '0')}`);
    for (let batch = 0; batch < 10; batch++) {
      const now = Date.now();
      await cluster.db.transaction().execute(async (trx) => {
        for (const orderNo of orderNos.slice(batch * 50, batch * 50 + 50))
          await enqueueMail(trx, licenseMail(orderNo), now);
      });
      await sleep(50);
    }
    const smtp = sink;
    await waitFor(async () => (smtp.received.length >= 500 ? true : undefined), '500 mails at the SMTP server', 90_000);
    // Long enough for a second copy, had any worker claimed a mail another one held.
    await sleep(1000);
    const subjects = smtp.received.map((m) => m.subject).sort();
    expect(subjects).toEqual(orderNos.map((orderNo) => `Pembayaran Berhasil - Order #${orderNo}`));
    const rows = await cluster.db.selectFrom('mail_outbox').select(['status', 'attempts']).execute();
    expect(rows).toHaveLength(500);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('a killed instance’s browser reconnects to another and still receives a later revocation', async () => {
    cluster = await startCluster(3);
    const [member, other] = (await seedSignedInMembers(cluster.config, 2)).members;
    if (!member || !other) throw new Error('no members');
    const stream = await streamOn(cluster, 1, member);
    await stream.connected();
    // An event id the browser has seen (another member's, which it never receives, stands in).
    expect((await takeOverOnDeviceB(cluster.url(0), other.email, BENCH_PASSWORD)).error).toBeNull();
    const last = await cluster.db
      .selectFrom('realtime_events')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirstOrThrow();

    await cluster.instances[1]?.kill();
    await stream.ended;
    expect(stream.endedByServer).toBe(false);
    expect(stream.events()).toHaveLength(0);

    // EventSource comes back with Last-Event-ID; the load balancer sends it to a live instance.
    const moved = await streamOn(cluster, 2, member, { 'last-event-id': String(last.id) });
    await waitFor(async () => (moved.raw.includes('retry:') ? true : undefined), 'the resumed stream', 10_000, 20);
    await sleep(300);
    expect((await takeOverOnDeviceB(cluster.url(0), member.email, BENCH_PASSWORD)).error).toBeNull();
    const event = await moved.nextEvent('session.revoked', 10_000);
    expect(JSON.parse(event.data ?? '{}')).toMatchObject({ reason: 'takeover' });
    expect(Number(event.id)).toBeGreaterThan(Number(last.id));

    // A browser that was between instances while it happened learns it at once on reconnecting.
    const late = await streamOn(cluster, 0, member, { 'last-event-id': String(last.id) });
    const again = await late.nextEvent('session.revoked', 10_000);
    expect(again.id).toBe(event.id);
  });

  it('a license revoked from the CLI closes the member’s page streaming from a server (NOTIFY from the shell)', async () => {
    cluster = await startCluster(1, { PRODUCT_RULES: '[{"uuid":"prod-ebook","action":"license"}]' });
    const member = await oneMember(cluster);
    expect(await postLynkTo(cluster.url(0), payment({ email: member.email }))).toMatchObject({ status: 200 });
    const license = await cluster.db.selectFrom('licenses').select('license_key').executeTakeFirstOrThrow();
    const stream = await streamOn(cluster, 0, member);
    await stream.connected();
    const revoked = await cluster.workspace.run(['licenses', 'revoke', license.license_key], CLUSTER_ENV);
    expect(revoked.code, revoked.stderr).toBe(0);
    const event = await stream.nextEvent('license.revoked', 10_000);
    expect(JSON.parse(event.data ?? '{}')).toMatchObject({ type: 'license.revoked', reason: 'admin' });
  });

  it('SIGTERM drains: in-flight webhooks are stored or refused for a retry, streams are sent elsewhere', async () => {
    cluster = await startCluster(2, { PRODUCT_RULES: '[{"uuid":"prod-ebook","action":"license"}]' });
    const seeded = (await seedSignedInMembers(cluster.config, 3)).members;
    const streams = await Promise.all(seeded.map((m) => streamOn(cluster as Cluster, 1, m)));
    await Promise.all(streams.map((s) => s.connected()));

    const c = cluster;
    const bodies = Array.from({ length: 40 }, (_, i) => payment({ email: `pembeli-${i}@example.com` }));
    // Lynk's behaviour: anything but a 200 (a 503, a refused or reset connection) is sent again,
    // and the load balancer routes the retry to the instance still running.
    const deliveries = bodies.map(async (body) => {
      const first = await postLynkTo(c.url(1), body).catch(() => null);
      if (first?.status === 200) return 'stored-by-draining';
      const retry = await postLynkTo(c.url(0), body);
      expect(retry.status).toBe(200);
      return 'retried';
    });
    await sleep(5);
    const exit = cluster.instances[1]?.stop(['SIGTERM']);
    const outcomes = await Promise.all(deliveries);
    expect(await exit).toBe(0);

    const events = await c.db.selectFrom('webhook_events').select(['outcome', 'external_id']).execute();
    expect(events).toHaveLength(40);
    expect(new Set(events.map((e) => e.external_id)).size).toBe(40);
    expect(events.every((e) => e.outcome === 'processed')).toBe(true);
    expect(outcomes).toHaveLength(40);

    // Each stream was told to come back soon and closed by the server, not cut.
    for (const stream of streams) {
      await stream.ended;
      expect(stream.endedByServer).toBe(true);
      expect(stream.frames().at(-1)?.retry).toBe('1000');
    }
    const moved = await Promise.all(seeded.map((m) => streamOn(c, 0, m)));
    await Promise.all(moved.map((s) => s.connected()));
    const target = seeded[0];
    if (!target) throw new Error('no member');
    expect((await takeOverOnDeviceB(c.url(0), target.email, BENCH_PASSWORD)).error).toBeNull();
    await moved[0]?.nextEvent('session.revoked', 10_000);
    for (const s of moved) s.close();
  });
});
