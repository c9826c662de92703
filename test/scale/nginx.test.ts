import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { SignedInMember } from '../../bench/realtime-members.js';
import { BENCH_PASSWORD, DEVICE_A_USER_AGENT, seedSignedInMembers } from '../../bench/realtime-members.js';
import { readServerMetrics } from '../../bench/realtime-metrics.js';
import { takeOverOnDeviceB } from '../../bench/realtime-takeover.js';
import { signLynkPayment } from '../../src/webhooks/index.js';
import { waitFor } from '../helpers/gerbang-process.js';
import { payment } from '../helpers/lynk.js';
import type { Cluster } from '../helpers/scale/cluster.js';
import { postLynkTo, startCluster } from '../helpers/scale/cluster.js';
import type { RunningNginx } from '../helpers/scale/nginx.js';
import { startNginx } from '../helpers/scale/nginx.js';
import type { SseConnection } from '../helpers/sse-client.js';
import { SseConnection as Sse } from '../helpers/sse-client.js';
import { DIALECTS, MERCHANT_KEY } from '../helpers/world.js';

const METRICS_TOKEN = 'cluster-metrics-token-0123456789';
const LICENSE_RULES = '[{"uuid":"prod-ebook","action":"license"}]';

/** deploy/nginx-gerbang.conf, run by Debian's nginx in front of two real instances. */
describe.each(DIALECTS.filter((d) => d === 'postgres'))('two instances behind nginx (%s)', () => {
  let cluster: Cluster | undefined;
  let nginx: RunningNginx | undefined;
  const streams: SseConnection[] = [];
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await nginx?.close();
    await cluster?.close();
    nginx = undefined;
    cluster = undefined;
  });

  async function behindNginx(
    count = 2,
    env: Record<string, string> = {},
  ): Promise<{ c: Cluster; proxy: RunningNginx }> {
    cluster = await startCluster(count, {
      // nginx runs on this machine: its address is the one proxy (docs/DEPLOY.md).
      TRUST_PROXY: '127.0.0.1',
      METRICS_TOKEN,
      // A heartbeat each second: one must arrive while the stream is still open.
      REALTIME_HEARTBEAT_SECONDS: '1',
      ...env,
    });
    const c = cluster;
    nginx = await startNginx(c.instances.map((_, i) => new URL(c.url(i)).host));
    return { c, proxy: nginx };
  }

  async function openVia(port: number, member: SignedInMember): Promise<SseConnection> {
    const stream = await Sse.open(port, '/api/realtime/stream', {
      cookie: `gerbang_session=${member.sessionCookie}; gerbang_device=${member.deviceCookie}`,
      'user-agent': DEVICE_A_USER_AGENT,
    });
    streams.push(stream);
    return stream;
  }

  const streamCounts = (c: Cluster) =>
    Promise.all([0, 1].map(async (i) => (await readServerMetrics(c.url(i), METRICS_TOKEN)).streams));

  it('event streams pass unbuffered (heartbeats arrive while open) and spread over both instances', async () => {
    const { c, proxy } = await behindNginx();
    const members = (await seedSignedInMembers(c.config, 6)).members;
    const opened: SseConnection[] = [];
    for (const member of members) opened.push(await openVia(proxy.port, member));
    for (const stream of opened) {
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      await stream.connected();
      await stream.waitFor((frames) => frames.some((f) => f.comment === 'ping'), 10_000);
      expect(stream.endedByServer).toBe(false);
    }
    const counts = await streamCounts(c);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
    expect((counts[0] ?? 0) + (counts[1] ?? 0)).toBe(6);

    // And a takeover through nginx reaches its stream, wherever it is held, before the stream ends.
    const target = members[0];
    if (!target) throw new Error('no member');
    expect((await takeOverOnDeviceB(`http://127.0.0.1:${proxy.port}`, target.email, BENCH_PASSWORD)).error).toBeNull();
    const event = await opened[0]?.nextEvent('session.revoked', 10_000);
    expect(JSON.parse(event?.data ?? '{}')).toMatchObject({ reason: 'takeover' });
  });

  it('SIGTERM of the instance holding a stream: the browser reconnects through nginx to the other and still gets a later revocation', async () => {
    const { c, proxy } = await behindNginx();
    const [member] = (await seedSignedInMembers(c.config, 1)).members;
    if (!member) throw new Error('no member');
    const first = await openVia(proxy.port, member);
    await first.connected();
    const holder = (await streamCounts(c)).indexOf(1);
    expect(holder).toBeGreaterThanOrEqual(0);

    expect(await c.instances[holder]?.stop(['SIGTERM'])).toBe(0);
    await first.ended;
    expect(first.endedByServer).toBe(true);
    expect(first.frames().at(-1)?.retry).toBe('1000');

    const again = await openVia(proxy.port, member);
    expect(again.status).toBe(200);
    await again.connected();
    const other = 1 - holder;
    expect((await readServerMetrics(c.url(other), METRICS_TOKEN)).streams).toBe(1);
    expect((await takeOverOnDeviceB(`http://127.0.0.1:${proxy.port}`, member.email, BENCH_PASSWORD)).error).toBeNull();
    const event = await again.nextEvent('session.revoked', 10_000);
    expect(JSON.parse(event.data ?? '{}')).toMatchObject({ reason: 'takeover' });
  });

  it('a forged X-Forwarded-For changes nothing: the login limit counts the real client, the audit log names it', async () => {
    const { c, proxy } = await behindNginx(2, { LOGIN_MAX_ATTEMPTS_PER_IP: '3' });
    const base = `http://127.0.0.1:${proxy.port}`;
    const form = await csrfOf(base, '/login');
    // An attacker spraying passwords over many accounts, claiming a new address each time.
    const statuses: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const res = await fetch(`${base}/login`, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          'x-csrf-token': form.token,
          cookie: form.cookie,
          'x-forwarded-for': `203.0.113.${i}`,
          'x-real-ip': `203.0.113.${i}`,
        },
        body: JSON.stringify({
          email: `korban-${i}@example.com`,
          password: 'tebakan-salah',
          fingerprint: 'f'.repeat(64),
        }),
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([401, 401, 401, 429]);

    // The first-run setup, the audited action anyone can reach: its entry carries nginx's view of the client.
    const setup = await csrfOf(base, '/setup');
    const created = await fetch(`${base}/setup`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: setup.cookie,
        'x-forwarded-for': '198.51.100.66, 203.0.113.9',
      },
      body: new URLSearchParams({
        _csrf: setup.token,
        email: 'pemilik@example.com',
        password: 'kalimat sandi yang panjang sekali',
        password_confirm: 'kalimat sandi yang panjang sekali',
      }).toString(),
    });
    expect(created.status).toBe(303);
    const audit = await c.db
      .selectFrom('audit_log')
      .select(['action', 'ip'])
      .where('action', '=', 'admin.setup')
      .execute();
    expect(audit).toEqual([{ action: 'admin.setup', ip: '127.0.0.1' }]);
  });

  it('SIGTERM of a lone instance: its in-flight webhook is answered 200 through nginx, requests meanwhile get its JSON 503 with Retry-After, never a 502', async () => {
    // The statement bound is lifted so the held lock, not the bound, decides when the webhook ends.
    const { c, proxy } = await behindNginx(1, { PRODUCT_RULES: LICENSE_RULES, DATABASE_STATEMENT_TIMEOUT_MS: '30000' });
    const base = `http://127.0.0.1:${proxy.port}`;
    // nginx keeps idle upstream connections: the drain must answer on them too, not drop them.
    for (let i = 0; i < 4; i++) expect((await fetch(`${base}/healthz`)).status).toBe(200);

    // A webhook that is committing when SIGTERM arrives: its insert waits behind a lock the test holds.
    const locked = await c.database.db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      await sql`lock table webhook_events in exclusive mode`.execute(conn);
      const inFlight = postLynkTo(base, payment({ email: 'saat-berhenti@example.com' }));
      // Awaited below; a failure before then must fail the test, not surface as an unhandled rejection.
      inFlight.catch(() => {});
      await waitFor(
        async () => {
          const waiting = await sql<{ n: number }>`
            select count(*)::int as n from pg_locks where not granted and relation = 'webhook_events'::regclass`.execute(
            c.db,
          );
          return (waiting.rows[0]?.n ?? 0) > 0 ? true : undefined;
        },
        'the webhook to wait for the lock',
        15_000,
        20,
      );
      const instance = c.instances[0];
      if (!instance) throw new Error('no instance');
      const exit = instance.stop(['SIGTERM']);
      const during: DrainAnswer[] = [];
      // Until the instance drains, nginx passes its 200s; from then on, its 503s.
      await waitFor(
        async () => {
          const answer = await answerOf(fetch(`${base}/healthz`, { headers: { accept: 'application/json' } }));
          during.push(answer);
          return answer.status === 200 ? undefined : true;
        },
        'the instance to start draining',
        5000,
        20,
      );
      const late = signLynkPayment(payment({ email: 'terlambat@example.com' }), MERCHANT_KEY);
      during.push(
        await answerOf(
          fetch(`${base}/webhook/lynk`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-lynk-signature': late.signature },
            body: late.body,
          }),
        ),
      );
      during.push(await answerOf(fetch(`${base}/login`, { headers: { accept: 'text/html' } })));
      await sql`commit`.execute(conn);
      return { inFlight: await inFlight, exit, during };
    });

    expect(locked.inFlight).toMatchObject({ status: 200, json: { outcome: 'processed', duplicate: false } });
    const refused = locked.during.filter((a) => a.status !== 200);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const answer of refused) {
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe('5');
      expect(answer.body).toContain('SHUTTING_DOWN');
    }
    expect(refused.at(-1)?.type).toContain('text/html');
    expect(JSON.parse(refused[0]?.body ?? '{}')).toMatchObject({ error: { code: 'SHUTTING_DOWN' } });
    expect(await locked.exit).toBe(0);
    const stored = await c.db.selectFrom('orders').select('email').execute();
    expect(stored).toEqual([{ email: 'saat-berhenti@example.com' }]);
  });
});

/** A CSRF token and its cookie, as a page's form hands them out. */
async function csrfOf(base: string, path: string): Promise<{ token: string; cookie: string }> {
  const page = await fetch(`${base}${path}`, { headers: { accept: 'text/html' } });
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  const cookie = page.headers
    .getSetCookie()
    .map((v) => v.split(';')[0] ?? '')
    .find((v) => v.startsWith('gerbang_csrf='));
  if (!token || !cookie) throw new Error(`no CSRF token on ${path} (${page.status})`);
  return { token, cookie };
}

interface DrainAnswer {
  status: number;
  type: string;
  retryAfter: string | null;
  body: string;
}

async function answerOf(pending: Promise<Response>): Promise<DrainAnswer> {
  const answer = await pending;
  return {
    status: answer.status,
    type: answer.headers.get('content-type') ?? '',
    retryAfter: answer.headers.get('retry-after'),
    body: await answer.text(),
  };
}
