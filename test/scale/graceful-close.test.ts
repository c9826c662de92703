import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../../src/server.js';
import { signLynkPayment } from '../../src/webhooks/index.js';
import { waitFor } from '../helpers/gerbang-process.js';
import { payment } from '../helpers/lynk.js';
import { startSourceMailThread } from '../helpers/mail-thread.js';
import { sleep } from '../helpers/scale/cluster.js';
import { MERCHANT_KEY } from '../helpers/world.js';

/**
 * Shutdown (SIGTERM → RunningServer.close()) with a webhook in flight on a keep-alive connection,
 * as nginx's upstream keepalive and Lynk's HTTP client hold them: the webhook is answered and
 * stored, and the server does not wait out keepAliveTimeout (72 s) for the now idle connection.
 * Meanwhile the listener stays open and answers for itself (503 + Retry-After), so a proxy in
 * front never sees a refused or reset connection.
 */
describe('graceful close of the server', () => {
  let dir: string | undefined;
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    server = undefined;
    dir = undefined;
  });

  async function start(): Promise<{ running: RunningServer; port: number }> {
    dir = mkdtempSync(join(tmpdir(), 'gerbang-close-'));
    const loaded = loadConfig(
      {
        NODE_ENV: 'test',
        DATA_DIR: dir,
        PORT: '0',
        LOG_LEVEL: 'silent',
        LYNK_MERCHANT_KEY: MERCHANT_KEY,
        COOKIE_SECRET: 'close-cookie-secret-0123456789abcdef0123456789',
      },
      dir,
    );
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    server = await startServer(loaded.config, pino({ level: 'silent' }), { startMailThread: startSourceMailThread });
    return { running: server, port: Number(new URL(server.url).port) };
  }

  /** A webhook whose headers and first 100 bytes are sent: in flight until `finish()`. */
  async function halfSentWebhook(port: number) {
    const signed = signLynkPayment(payment({ email: 'sari@example.com' }), MERCHANT_KEY);
    const body = Buffer.from(signed.body);
    const socket = await openSocket(port);
    socket.write(
      'POST /webhook/lynk HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: keep-alive\r\n' +
        `content-type: application/json\r\nx-lynk-signature: ${signed.signature}\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, 100));
    await sleep(200);
    return { ...socket, finish: () => socket.write(body.subarray(100)) };
  }

  it('a webhook in flight on a keep-alive connection is answered 200 and stored, and close() still ends', async () => {
    const { running, port } = await start();
    const webhook = await halfSentWebhook(port);
    let closed = false;
    const closing = running.close().then(() => {
      closed = true;
    });
    await sleep(200);
    expect(closed).toBe(false);
    webhook.finish();

    const timedOut = Symbol('timed out');
    const outcome = await Promise.race([closing, sleep(20_000).then(() => timedOut)]);
    expect(outcome).not.toBe(timedOut);
    await webhook.closed;
    expect(webhook.answer()).toMatch(/^HTTP\/1\.1 200 /);
    expect(webhook.answer()).toContain('"duplicate":false');
    server = undefined;
  }, 40_000);

  it('while draining, new requests on new and kept-alive connections get our JSON 503 with Retry-After, and the in-flight webhook still its 200', async () => {
    const { running, port } = await start();
    // A kept-alive connection that served one request and sits idle, as a proxy's pool holds them.
    const idle = await openSocket(port);
    idle.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
    await waitFor(
      async () => (idle.answer().includes('"status":"ok"') ? true : undefined),
      'the first answer',
      5000,
      10,
    );
    const webhook = await halfSentWebhook(port);

    const closing = running.close();
    await sleep(100);
    const fresh = await fetch(`${running.url}/readyz`, { headers: { accept: 'application/json' } });
    expect(fresh.status).toBe(503);
    expect(fresh.headers.get('retry-after')).toBe('5');
    expect(fresh.headers.get('connection')).toBe('close');
    expect(await fresh.json()).toMatchObject({ error: { code: 'SHUTTING_DOWN' } });

    const before = idle.answer().length;
    idle.write(
      'POST /webhook/lynk HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}',
    );
    await idle.closed;
    const second = idle.answer().slice(before);
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(second).toContain('"code":"SHUTTING_DOWN"');

    webhook.finish();
    await closing;
    await webhook.closed;
    expect(webhook.answer()).toMatch(/^HTTP\/1\.1 200 /);
    server = undefined;
  }, 40_000);
});

/** A raw loopback connection that keeps what it receives. */
async function openSocket(port: number) {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    received += chunk;
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { write: (data: string | Buffer) => socket.write(data), answer: () => received, closed };
}
