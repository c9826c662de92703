import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_A_USER_AGENT, seedSignedInMembers } from '../../bench/realtime-members.js';
import { loadConfig } from '../../src/config/index.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../../src/server.js';
import { waitFor } from '../helpers/gerbang-process.js';
import { payment } from '../helpers/lynk.js';
import { startSourceMailThread } from '../helpers/mail-thread.js';
import { sleep } from '../helpers/scale/cluster.js';
import { SseConnection } from '../helpers/sse-client.js';
import { MERCHANT_KEY } from '../helpers/world.js';
import { postLynkTimed, timedFetch } from '../resilience/outage-http.js';

/**
 * Slow and piled-up connections against a real listener (startServer on loopback). The attacker
 * connects from 127.0.0.2, Lynk and the health check from 127.0.0.1: on Linux every 127/8 source
 * address reaches a server bound to 127.0.0.1, so one machine plays two clients.
 */
const ATTACKER = '127.0.0.2';

describe('slow and piled-up clients', () => {
  let dir: string | undefined;
  let server: RunningServer | undefined;
  const sockets: Socket[] = [];
  const streams: SseConnection[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const s of streams.splice(0)) s.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    server = undefined;
    dir = undefined;
  });

  async function start(env: Record<string, string> = {}) {
    dir = mkdtempSync(join(tmpdir(), 'gerbang-slow-'));
    const loaded = loadConfig(
      {
        NODE_ENV: 'test',
        DATA_DIR: dir,
        PORT: '0',
        LOG_LEVEL: 'silent',
        LYNK_MERCHANT_KEY: MERCHANT_KEY,
        COOKIE_SECRET: 'slow-cookie-secret-0123456789abcdef0123456789',
        PRODUCT_RULES: '[{"uuid":"prod-ebook","action":"license"}]',
        ...env,
      },
      dir,
    );
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    server = await startServer(loaded.config, pino({ level: 'silent' }), { startMailThread: startSourceMailThread });
    return { running: server, config: loaded.config, port: Number(new URL(server.url).port) };
  }

  /** A connection from `from`, remembering what it got and whether it was closed. */
  async function open(port: number, from: string) {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from });
    sockets.push(socket);
    let received = '';
    let closed = false;
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
    });
    await new Promise<void>((resolve) => {
      socket.once('connect', () => resolve());
      socket.once('close', () => resolve());
    });
    return { socket, received: () => received, closed: () => closed };
  }

  type Client = Awaited<ReturnType<typeof open>>;

  /** Sends a request a byte at a time: the headers never end, or they end and the body never does. */
  function trickle(client: Client, part: 'headers' | 'body'): NodeJS.Timeout {
    const head =
      part === 'headers'
        ? 'POST /webhook/lynk HTTP/1.1\r\nhost: 127.0.0.1\r\nx-pad: '
        : 'POST /webhook/lynk HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 60000\r\n\r\n{"pad":"';
    if (!client.closed()) client.socket.write(head);
    const timer = setInterval(() => {
      if (client.closed()) clearInterval(timer);
      else client.socket.write('a');
    }, 200);
    return timer;
  }

  it('a slowloris of 400 sockets from one address holds at most MAX_CONNECTIONS_PER_IP, and Lynk and /healthz from another are answered', async () => {
    const { running } = await start({ MAX_CONNECTIONS_PER_IP: '50' });
    const port = Number(new URL(running.url).port);
    const attackers = await Promise.all(Array.from({ length: 400 }, () => open(port, ATTACKER)));
    const timers = attackers.map((client, i) => trickle(client, i % 2 === 0 ? 'headers' : 'body'));
    try {
      // Past the cap every connection is closed before it is read.
      await waitFor(
        async () => (attackers.filter((a) => a.closed()).length >= 350 ? true : undefined),
        'connections past the cap to be closed',
        10_000,
        50,
      );
      await sleep(300);
      expect(attackers.filter((a) => !a.closed())).toHaveLength(50);

      const lynk = await postLynkTimed(running.url, payment({ email: 'asli@example.com' }));
      expect([lynk.status, lynk.json]).toMatchObject([200, { outcome: 'processed', duplicate: false }]);
      expect((await timedFetch(`${running.url}/healthz`)).status).toBe(200);
      // The attack goes on: the held connections are still open, still trickling.
      expect(attackers.filter((a) => !a.closed())).toHaveLength(50);
    } finally {
      for (const t of timers) clearInterval(t);
    }
  }, 60_000);

  it('a trusted proxy is not capped: behind nginx every client arrives from its address', async () => {
    const { port } = await start({ MAX_CONNECTIONS_PER_IP: '5', TRUST_PROXY: '127.0.0.1' });
    const proxy = await Promise.all(Array.from({ length: 20 }, () => open(port, '127.0.0.1')));
    const other = await Promise.all(Array.from({ length: 20 }, () => open(port, ATTACKER)));
    await waitFor(
      async () => (other.filter((a) => a.closed()).length >= 15 ? true : undefined),
      'the other address to be capped',
      5000,
      20,
    );
    await sleep(200);
    expect(proxy.filter((a) => a.closed())).toHaveLength(0);
    expect(other.filter((a) => !a.closed())).toHaveLength(5);
  }, 30_000);

  it('a request not sent in full within HTTP_REQUEST_TIMEOUT_SECONDS is answered 408 and closed; an event stream outlives it', async () => {
    const { config, port } = await start({ HTTP_REQUEST_TIMEOUT_SECONDS: '1', REALTIME_HEARTBEAT_SECONDS: '1' });
    const [member] = (await seedSignedInMembers(config, 1)).members;
    if (!member) throw new Error('no member seeded');
    const stream = await SseConnection.open(port, '/api/realtime/stream', {
      cookie: `gerbang_session=${member.sessionCookie}; gerbang_device=${member.deviceCookie}`,
      'user-agent': DEVICE_A_USER_AGENT,
    });
    streams.push(stream);
    await stream.connected();

    const slowHeaders = await open(port, ATTACKER);
    const slowBody = await open(port, ATTACKER);
    const timers = [trickle(slowHeaders, 'headers'), trickle(slowBody, 'body')];
    try {
      await waitFor(
        async () => (slowHeaders.closed() && slowBody.closed() ? true : undefined),
        'both slow requests to be cut off',
        15_000,
        50,
      );
    } finally {
      for (const t of timers) clearInterval(t);
    }
    for (const slow of [slowHeaders, slowBody]) {
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(slow.received()).toContain('"code":"REQUEST_TIMEOUT"');
    }
    // Still open well past the request timeout, with heartbeats flowing.
    const pings = stream.frames().filter((f) => f.comment === 'ping').length;
    await stream.waitFor((frames) => frames.filter((f) => f.comment === 'ping').length > pings, 5000);
    expect(stream.endedByServer).toBe(false);
  }, 60_000);

  it('webhook bodies are limited to 64 KiB (a 200-product cart fits), other routes keep 1 MiB', async () => {
    const { running } = await start();
    const items = Array.from({ length: 200 }, (_, i) => ({
      title: `Kelas Ekspor Paket ${i}`,
      uuid: `prod-${String(i).padStart(8, '0')}`,
      qty: 1,
      price: 72000,
    }));
    const cart = await postLynkTimed(running.url, payment({ items }));
    expect(cart.status).toBe(200);

    const padded = `{"pad":"${'x'.repeat(64 * 1024)}"}`;
    for (const path of ['/webhook/lynk', '/webhooks/ppob']) {
      const res = await timedFetch(`${running.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: padded,
      });
      expect([path, res.status]).toEqual([path, 413]);
      expect(res.json).toMatchObject({
        error: { code: 'PAYLOAD_TOO_LARGE', message: 'Body terlalu besar (maksimal 64 KB).' },
      });
    }
    const license = await timedFetch(`${running.url}/api/licenses/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: padded,
    });
    expect(license.status).not.toBe(413);
  }, 30_000);
});
