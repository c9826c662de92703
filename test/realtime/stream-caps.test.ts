import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileLimit } from '../../src/realtime/index.js';
import { signLynkPayment } from '../../src/webhooks/index.js';
import { addMember, cookieHeader, PASSWORD, TestDevice } from '../helpers/auth.js';
import { payment } from '../helpers/lynk.js';
import { SseConnection } from '../helpers/sse-client.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, MERCHANT_KEY, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';
const BUDI = 'budi@example.com';
const STREAM = '/api/realtime/stream';

describe.each(DIALECTS)('open event streams are capped per session and per IP (%s)', (dialect) => {
  let world: World;
  let port: number;
  const connections: SseConnection[] = [];
  const openWorld = worldPerTest(dialect, async (w) => {
    await addMember(w, ANI);
    await addMember(w, BUDI);
  });
  const open = async (env: Record<string, string>) => {
    world = await openWorld(env);
    await world.app.listen({ port: 0, host: '127.0.0.1' });
    port = (world.app.server.address() as AddressInfo).port;
  };
  afterEach(() => {
    for (const c of connections.splice(0)) c.close();
  });

  const signIn = async (email: string) => {
    const device = new TestDevice(world.app);
    expect((await device.login(email, PASSWORD)).statusCode).toBe(303);
    return device;
  };
  /** A stream over loopback (every test stream comes from 127.0.0.1); an answered one is connected. */
  const stream = async (device: TestDevice) => {
    const connection = await SseConnection.open(port, STREAM, { cookie: cookieHeader(device.cookies) });
    connections.push(connection);
    if (connection.status === 200) await connection.connected();
    return connection;
  };
  const expectRefused = async (connection: SseConnection) => {
    await connection.ended;
    expect(connection.status).toBe(429);
    expect(connection.headers['content-type']).toContain('application/json');
    expect(connection.headers['retry-after']).toBe('30');
    expect(JSON.parse(connection.raw).error).toMatchObject({ code: 'RATE_LIMITED', message: expect.any(String) });
  };
  /** Waits until the server noticed a closed stream (its 'close' event runs after our socket ends). */
  const streamsOpen = (n: number) => expect.poll(() => world.app.streams.size).toBe(n);

  it('one session past its cap gets 429 with Retry-After; closing a stream frees its slot', async () => {
    await open({ REALTIME_MAX_STREAMS_PER_SESSION: '2', REALTIME_MAX_STREAMS_PER_IP: '10' });
    const ani = await signIn(ANI);
    const first = await stream(ani);
    expect([first.status, (await stream(ani)).status]).toEqual([200, 200]);
    await expectRefused(await stream(ani));
    // Another session is not held back by Ani's.
    expect((await stream(await signIn(BUDI))).status).toBe(200);

    first.close();
    await streamsOpen(2);
    expect((await stream(ani)).status).toBe(200);
    await expectRefused(await stream(ani));
  });

  it('one IP past its cap gets 429 whichever session asks; closing one frees a slot', async () => {
    await open({ REALTIME_MAX_STREAMS_PER_SESSION: '2', REALTIME_MAX_STREAMS_PER_IP: '3' });
    const ani = await signIn(ANI);
    const budi = await signIn(BUDI);
    const open3 = [await stream(ani), await stream(ani), await stream(budi)];
    expect(open3.map((c) => c.status)).toEqual([200, 200, 200]);
    await expectRefused(await stream(budi));

    open3[0]?.close();
    await streamsOpen(2);
    expect((await stream(budi)).status).toBe(200);
    await expectRefused(await stream(ani));
  });

  it('a browser leaving before its stream was answered takes no slot with it', async () => {
    await open({ REALTIME_MAX_STREAMS_PER_SESSION: '2', REALTIME_MAX_STREAMS_PER_IP: '10' });
    const ani = await signIn(ANI);
    const request = `GET ${STREAM} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCookie: ${cookieHeader(ani.cookies)}\r\n\r\n`;
    for (let i = 0; i < 5; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.end(request, () => socket.destroy());
    }
    // Each abandoned request is answered (or not) in its own time; a slot still held would be held forever.
    await expect.poll(async () => (await stream(ani)).status, { timeout: 5000 }).toBe(200);
    expect((await stream(ani)).status).toBe(200);
    await streamsOpen(2);
  });

  it('by default a session holds up to 8 streams (a browser without Web Locks opens one per tab)', async () => {
    await open({});
    expect(world.config.realtime).toMatchObject({ maxStreamsPerSession: 8, maxStreamsPerIp: 100 });
    const ani = await signIn(ANI);
    const opened = await Promise.all(Array.from({ length: 8 }, () => stream(ani)));
    expect(opened.map((c) => c.status)).toEqual(Array(8).fill(200));
    await expectRefused(await stream(ani));
  });

  it('at the descriptor ceiling (ulimit -n minus REALTIME_FD_HEADROOM) a new stream gets 503 with Retry-After; webhooks and logins still answer', async () => {
    const fdLimit = openFileLimit();
    expect(fdLimit).toBeGreaterThan(10);
    // A headroom that leaves room for exactly two streams.
    await open({ REALTIME_FD_HEADROOM: String((fdLimit ?? 0) - 2), REALTIME_MAX_STREAMS_PER_IP: '10' });
    expect(world.app.streams.capacity).toBe(2);
    const ani = await signIn(ANI);
    const budi = await signIn(BUDI);
    expect([(await stream(ani)).status, (await stream(budi)).status]).toEqual([200, 200]);
    const refused = await stream(ani);
    await refused.ended;
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('10');
    expect(JSON.parse(refused.raw).error).toMatchObject({ code: 'STREAMS_FULL', message: expect.any(String) });
    await streamsOpen(2);

    // At the ceiling, a payment over a real socket and a password login are served as ever.
    const body = payment({ email: 'citra@example.com' });
    const webhook = await fetch(`http://127.0.0.1:${port}/webhook/lynk`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-lynk-signature': signLynkPayment(body, MERCHANT_KEY).signature,
      },
      body: JSON.stringify(body),
    });
    expect(webhook.status).toBe(200);
    expect(await webhook.json()).toMatchObject({ outcome: 'processed' });
    // (A member is allowed one device: the login comes again from the one Budi holds.)
    expect((await budi.login(BUDI, PASSWORD)).statusCode).toBe(303);

    // A place freed is a place taken again.
    connections[0]?.close();
    await streamsOpen(1);
    expect((await stream(ani)).status).toBe(200);
  });
});
