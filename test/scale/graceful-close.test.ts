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
import { payment } from '../helpers/lynk.js';
import { sleep } from '../helpers/scale/cluster.js';
import { MERCHANT_KEY } from '../helpers/world.js';

/**
 * Shutdown (SIGTERM → RunningServer.close()) with a webhook in flight on a keep-alive connection,
 * as nginx's upstream keepalive and Lynk's HTTP client hold them: the webhook is answered and
 * stored, and the server does not wait out keepAliveTimeout (72 s) for the now idle connection.
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

  it('a webhook in flight on a keep-alive connection is answered 200 and stored, and close() still ends', async () => {
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
    server = await startServer(loaded.config, pino({ level: 'silent' }));
    const running = server;
    const { port } = new URL(running.url);
    const signed = signLynkPayment(payment({ email: 'sari@example.com' }), MERCHANT_KEY);
    const body = Buffer.from(signed.body);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk;
    });
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // Headers and half the body: the request is in flight when shutdown begins.
    socket.write(
      'POST /webhook/lynk HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: keep-alive\r\n' +
        `content-type: application/json\r\nx-lynk-signature: ${signed.signature}\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, 100));
    await sleep(200);
    let closed = false;
    const closing = running.close().then(() => {
      closed = true;
    });
    await sleep(200);
    expect(closed).toBe(false);
    socket.write(body.subarray(100));

    const timedOut = Symbol('timed out');
    const outcome = await Promise.race([closing, sleep(20_000).then(() => timedOut)]);
    expect(outcome).not.toBe(timedOut);
    await socketClosed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('"duplicate":false');
    server = undefined;
  }, 40_000);
});
