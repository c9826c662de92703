import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/db/index.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../../src/server.js';
import { signLynkPayment } from '../../src/webhooks/index.js';
import { createEndpoint } from '../../src/webhooks-out/index.js';
import { payment } from '../helpers/lynk.js';
import { startSourceMailThread } from '../helpers/mail-thread.js';
import { MERCHANT_KEY } from '../helpers/world.js';
import { Receiver } from './receiver.js';

/** Waits (bounded) until `count` deliveries reached the receiver. */
async function received(receiver: Receiver, count: number): Promise<void> {
  for (let waited = 0; receiver.accepted().length < count && waited < 20_000; waited += 25)
    await new Promise((resolve) => setTimeout(resolve, 25));
}

/**
 * The server as `gerbang serve` runs it: its webhook worker starts with it and is woken by the
 * changes that queue events (a payment, an activation), well before its one-minute safety poll.
 */
describe('the server sends outgoing webhooks by itself', () => {
  let dir: string | undefined;
  let server: RunningServer | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await server?.close();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a payment and an activation reach a registered endpoint, signed, without anyone draining the outbox', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gerbang-webhooks-out-'));
    const loaded = loadConfig(
      {
        NODE_ENV: 'test',
        DATA_DIR: dir,
        PORT: '0',
        LOG_LEVEL: 'silent',
        LYNK_MERCHANT_KEY: MERCHANT_KEY,
        COOKIE_SECRET: 'webhooks-out-cookie-secret-0123456789abcdef',
      },
      dir,
    );
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    server = await startServer(loaded.config, pino({ level: 'silent' }), { startMailThread: startSourceMailThread });
    receiver = new Receiver(() => Math.floor(Date.now() / 1000));
    const url = await receiver.start();
    const database = openDatabase(loaded.config.database);
    try {
      const { secret } = await createEndpoint(
        database.db,
        { url, description: '', eventTypes: [] },
        { now: Date.now(), randomBytes, masterSecret: loaded.config.cookieSecret },
      );
      receiver.secret = secret;
    } finally {
      await database.close();
    }
    const signed = signLynkPayment(payment({ email: 'sari@example.com' }), MERCHANT_KEY);
    const paid = await fetch(`${server.url}/webhook/lynk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-lynk-signature': signed.signature },
      body: signed.body,
    });
    expect(paid.status).toBe(200);
    await received(receiver, 2);
    expect(
      receiver
        .accepted()
        .map((r) => r.type)
        .sort(),
    ).toEqual(['license.issued', 'order.paid']);
    const issued = receiver.accepted('license.issued')[0]?.body.data.license as { key: string } | undefined;
    const key = issued?.key;
    const activated = await fetch(`${server.url}/api/licenses/activate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key, fingerprint: 'pc-1' }),
    });
    expect(activated.status).toBe(201);
    await received(receiver, 3);
    expect(receiver.accepted().map((r) => r.type)).toContain('license.activated');
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
  });
});
