import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { licenseExpirySweep } from '../../src/licenses/index.js';
import type { WebhookEventType } from '../../src/webhooks-out/index.js';
import { createEndpoint, WebhookWorker } from '../../src/webhooks-out/index.js';
import type { World } from '../helpers/world.js';

/** One POST as the seller's receiver saw it, with its own verdict on the signature. */
export interface Received {
  id: string;
  timestamp: number;
  signatureValid: boolean;
  type: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  raw: string;
  /** What the receiver answered. */
  status: number;
}

/**
 * The Standard Webhooks check written out from the specification, not with Gerbang's own code:
 * HMAC-SHA256 over "id.timestamp.body" keyed with the base64 part of `whsec_…`, any `v1,` entry of
 * the space-separated header matching, and a timestamp within five minutes of the receiver's clock.
 */
export function standardWebhooksValid(secret: string, headers: IncomingHttpHeaders, raw: string, nowS: number) {
  const id = String(headers['webhook-id'] ?? '');
  const timestamp = String(headers['webhook-timestamp'] ?? '');
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${raw}`).digest();
  const fresh = Math.abs(nowS - Number(timestamp)) <= 300;
  return (
    fresh &&
    String(headers['webhook-signature'] ?? '')
      .split(' ')
      .some((entry) => {
        if (!entry.startsWith('v1,')) return false;
        const given = Buffer.from(entry.slice(3), 'base64');
        return given.length === expected.length && timingSafeEqual(given, expected);
      })
  );
}

/**
 * A real HTTP receiver on loopback, as a seller would run one: it verifies every delivery, answers
 * 204 (or `failWith` while set), and can go down (its port closed) and come back on the same port.
 */
export class Receiver {
  readonly received: Received[] = [];
  secret = '';
  failWith: number | null = null;
  private server: Server;
  private port = 0;

  constructor(private readonly nowS: () => number) {
    this.server = this.newServer();
  }

  private newServer(): Server {
    return createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const body = JSON.parse(raw) as Received['body'];
        const status = this.failWith ?? 204;
        this.received.push({
          id: String(req.headers['webhook-id']),
          timestamp: Number(req.headers['webhook-timestamp']),
          signatureValid: standardWebhooksValid(this.secret, req.headers, raw, this.nowS()),
          type: body.type,
          body,
          raw,
          status,
        });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 204 ? '' : 'sedang gangguan');
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}/hooks/gerbang`;
  }

  /** Closes the port: calls are refused (ECONNREFUSED) until up(). */
  async down(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = this.newServer();
  }

  async up(): Promise<void> {
    await this.start();
  }

  /** Deliveries the receiver accepted (answered 2xx), by event type. */
  accepted(type?: string): Received[] {
    return this.received.filter((r) => r.status < 300 && (type === undefined || r.type === type));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A receiver on the world's clock with an endpoint registered for it (all events unless `events`). */
export async function receiverFor(world: World, events: WebhookEventType[] = []): Promise<Receiver> {
  const receiver = new Receiver(() => Math.floor(world.runtime.now() / 1000));
  const url = await receiver.start();
  const { secret } = await createEndpoint(
    world.database.db,
    { url, description: 'penerima uji', eventTypes: events },
    { now: world.runtime.now(), randomBytes: world.runtime.randomBytes, masterSecret: world.config.cookieSecret },
  );
  receiver.secret = secret;
  return receiver;
}

/** The webhook worker on the world's database and clock, as the server runs it (tests call drain()). */
export function webhookWorker(world: World): WebhookWorker {
  return new WebhookWorker({
    db: world.database.db,
    dialect: world.database.dialect,
    runtime: world.runtime,
    log: pino({ level: 'silent' }),
    settings: { masterSecret: world.config.cookieSecret, ...world.config.webhooksOut },
    sweeps: [licenseExpirySweep],
  });
}
