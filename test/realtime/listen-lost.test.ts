import { sql } from 'kysely';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_A_USER_AGENT, seedSignedInMembers } from '../../bench/realtime-members.js';
import { buildApp } from '../../src/app.js';
import { waitFor } from '../helpers/gerbang-process.js';
import { payment } from '../helpers/lynk.js';
import type { Cluster } from '../helpers/scale/cluster.js';
import { CLUSTER_ENV, postLynkTo, startCluster } from '../helpers/scale/cluster.js';
import type { SseConnection } from '../helpers/sse-client.js';
import { SseConnection as Sse } from '../helpers/sse-client.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS } from '../helpers/world.js';

/**
 * An instance whose LISTEN connection is gone cannot hear the other instances' events (revocations
 * arrived 15–21 s late). It ends its streams at once, so browsers reconnect to an instance that
 * hears them and catch up by Last-Event-ID, and it says it is not ready meanwhile.
 */
describe.each(DIALECTS.filter((d) => d === 'postgres'))('the realtime LISTEN connection lost (%s)', () => {
  let cluster: Cluster | undefined;
  let world: World | undefined;
  const streams: SseConnection[] = [];
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await cluster?.close();
    await world?.close();
    cluster = undefined;
    world = undefined;
  });

  it('ends the open streams with a retry hint; a reopened stream gets a later revocation', async () => {
    cluster = await startCluster(1, { PRODUCT_RULES: '[{"uuid":"prod-ebook","action":"license"}]' });
    const c = cluster;
    const [member] = (await seedSignedInMembers(c.config, 1)).members;
    if (!member) throw new Error('no member');
    expect((await postLynkTo(c.url(0), payment({ email: member.email }))).status).toBe(200);
    const license = await c.db.selectFrom('licenses').select('license_key').executeTakeFirstOrThrow();
    const open = async () => {
      const stream = await Sse.open(c.port(0), '/api/realtime/stream', {
        cookie: `gerbang_session=${member.sessionCookie}; gerbang_device=${member.deviceCookie}`,
        'user-agent': DEVICE_A_USER_AGENT,
      });
      streams.push(stream);
      await stream.connected();
      return stream;
    };
    const first = await open();

    // As a failover or an operator would: the server process of the LISTEN connection is ended.
    const killed = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where query like 'listen "gerbang_realtime%' and query like '%' || current_schema() || '"'`.execute(c.db);
    expect(killed.rows[0]?.n).toBe(1);
    await first.ended;
    expect(first.endedByServer).toBe(true);
    expect(first.frames().at(-1)?.retry).toBe('1000');

    await waitFor(
      async () => ((await fetch(`${c.url(0)}/readyz`)).status === 200 ? true : undefined),
      '/readyz once LISTEN is back',
    );
    const again = await open();
    const revoked = await c.workspace.run(['licenses', 'revoke', license.license_key], CLUSTER_ENV);
    expect(revoked.code, revoked.stderr).toBe(0);
    const event = await again.nextEvent('license.revoked', 15_000);
    expect(JSON.parse(event.data ?? '{}')).toMatchObject({ reason: 'admin' });
  }, 60_000);

  it('while it is down, /readyz answers 503 naming realtime and new streams are refused with 503', async () => {
    const w = await createWorld('postgres');
    world = w;
    let listening = false;
    const app = await buildApp({
      config: w.config,
      database: w.database,
      runtime: w.runtime,
      logger: pino({ level: 'silent' }),
      realtimeListening: () => listening,
    });
    try {
      const down = await app.inject({ method: 'GET', url: '/readyz' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({ status: 'unavailable', database: 'ok', realtime: 'disconnected' });
      const stream = await app.inject({ method: 'GET', url: '/api/realtime/stream' });
      expect(stream.statusCode).toBe(503);
      expect(stream.headers['retry-after']).toBe('2');
      listening = true;
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
