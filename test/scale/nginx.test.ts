import { afterEach, describe, expect, it } from 'vitest';
import type { SignedInMember } from '../../bench/realtime-members.js';
import { BENCH_PASSWORD, DEVICE_A_USER_AGENT, seedSignedInMembers } from '../../bench/realtime-members.js';
import { readServerMetrics } from '../../bench/realtime-metrics.js';
import { takeOverOnDeviceB } from '../../bench/realtime-takeover.js';
import type { Cluster } from '../helpers/scale/cluster.js';
import { startCluster } from '../helpers/scale/cluster.js';
import type { RunningNginx } from '../helpers/scale/nginx.js';
import { startNginx } from '../helpers/scale/nginx.js';
import type { SseConnection } from '../helpers/sse-client.js';
import { SseConnection as Sse } from '../helpers/sse-client.js';
import { DIALECTS } from '../helpers/world.js';

const METRICS_TOKEN = 'cluster-metrics-token-0123456789';

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

  async function behindNginx(): Promise<{ c: Cluster; proxy: RunningNginx }> {
    cluster = await startCluster(2, {
      TRUST_PROXY: 'true',
      METRICS_TOKEN,
      // A heartbeat each second: one must arrive while the stream is still open.
      REALTIME_HEARTBEAT_SECONDS: '1',
    });
    const c = cluster;
    nginx = await startNginx([0, 1].map((i) => new URL(c.url(i)).host));
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
});
