import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/index.js';
import { signHesdaWebhook } from '../../src/webhooks/index.js';
import type { World } from './world.js';

export const HESDA_SECRET = 'test-hesda-secret-0123456789';
export const HESDA_API_KEY = 'test-hesda-api-key-abcdef';

/** How the fake answers POST /order (default: accept with a new pending transaction). */
export type OrderBehaviour =
  /** beforeAnswer runs once the transaction id exists, before Hesda answers (a callback racing the answer). */
  | { kind: 'accept'; beforeAnswer?: (order: ReceivedOrder) => Promise<void> }
  | { kind: 'answer'; status: number; body: string }
  | { kind: 'hang' }
  | { kind: 'drop' };

export interface ReceivedOrder {
  headers: IncomingHttpHeaders;
  body: { product_code?: string; customer_no?: string; callback_url?: string };
  transactionId: string | null;
}

export interface CallbackInput {
  status: string;
  sn?: string;
  message?: string;
  productName?: string;
}

/**
 * A stand-in for Hesda over real HTTP on 127.0.0.1: POST /order answers as Hesda documents
 * (issue 4), and callback() later POSTs a transaction.update, signed with the secret key
 * (HMAC-SHA256 of the raw body, seed 003), to the callback_url that order carried.
 */
export class FakeHesda {
  readonly orders: ReceivedOrder[] = [];
  behaviour: OrderBehaviour = { kind: 'accept' };
  private hanging: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly secret: string,
  ) {}

  static async start(secret = HESDA_SECRET): Promise<FakeHesda> {
    let fake: FakeHesda | undefined;
    const server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        raw += chunk;
      });
      req.on('end', () => void fake?.answer(req.method ?? '', req.url ?? '', req.headers, raw, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeHesda(server, `http://127.0.0.1:${port}`, secret);
    return fake;
  }

  private async answer(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    raw: string,
    res: import('node:http').ServerResponse,
  ): Promise<void> {
    if (method !== 'POST' || url !== '/order') {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(raw) as ReceivedOrder['body'];
    const order: ReceivedOrder = { headers, body, transactionId: null };
    this.orders.push(order);
    const b = this.behaviour;
    if (b.kind === 'hang') {
      this.hanging.push(() => res.destroy());
      return;
    }
    if (b.kind === 'drop') {
      res.socket?.destroy();
      return;
    }
    if (b.kind === 'answer') {
      res.writeHead(b.status, { 'content-type': 'application/json' }).end(b.body);
      return;
    }
    order.transactionId = randomBytes(6).toString('base64url');
    await b.beforeAnswer?.(order);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        status: 'success',
        message: 'Transaksi sedang diproses',
        data: {
          transaction_id: order.transactionId,
          product_code: body.product_code,
          product_name: `${body.product_code} 5.000`,
          status: 'pending',
          message: 'Transaksi sedang diproses',
        },
      }),
    );
  }

  /** The order Hesda received last (the test's own). */
  lastOrder(): ReceivedOrder {
    const order = this.orders.at(-1);
    if (!order) throw new Error('Hesda received no order');
    return order;
  }

  /** Sends the signed status webhook for an order to its callback_url, as Hesda would. */
  async callback(
    order: ReceivedOrder,
    input: CallbackInput,
    options: { secret?: string; event?: string } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    if (!order.transactionId || !order.body.callback_url) throw new Error('that order has no transaction/callback');
    const signed = signHesdaWebhook(
      {
        transaction_id: order.transactionId,
        product_code: order.body.product_code,
        product_name: input.productName ?? `${order.body.product_code} 5.000`,
        customer_no: order.body.customer_no,
        price: 6150,
        sn: input.sn ?? '',
        status: input.status,
        message: input.message ?? '',
      },
      options.secret ?? this.secret,
      options.event,
    );
    const response = await fetch(order.body.callback_url, {
      method: 'POST',
      headers: signed.headers,
      body: signed.body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async close(): Promise<void> {
    for (const end of this.hanging.splice(0)) end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** POSTs to /webhooks/ppob through inject(), signed with the test secret unless told otherwise. */
export function postHesda(
  app: FastifyInstance,
  body: object | string,
  options: { secret?: string; signature?: string | null; event?: string | null; headers?: Record<string, string> } = {},
) {
  const signed = signHesdaWebhook(body, options.secret ?? HESDA_SECRET, options.event ?? 'transaction.update');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.event !== null) headers['x-hesda-event'] = signed.headers['x-hesda-event'];
  if (options.signature !== null)
    headers['x-hesda-signature'] = options.signature ?? signed.headers['x-hesda-signature'];
  return app.inject({
    method: 'POST',
    url: '/webhooks/ppob',
    headers: { ...headers, ...options.headers },
    payload: signed.body,
  });
}

/** A transaction as if ordered: pending at Hesda under `hesdaId`, optionally a member's. */
export function seedTransaction(world: World, hesdaId: string, memberId: number | null = null) {
  return insertPendingTransaction(world.database.db, hesdaId, world.runtime.now(), memberId);
}

/**
 * A transaction whose order outcome Hesda never told us (timeout, crash): `unknown`, no Hesda id,
 * waiting for reconciliation. `extra` sets other columns (customer number, last error).
 */
export async function seedUnknownTransaction(
  world: World,
  extra: { customer_no?: string; last_error?: string } = {},
): Promise<{ id: number }> {
  const seeded = await seedTransaction(world, `HSD-UNKNOWN-${randomBytes(4).toString('hex')}`);
  await world.database.db
    .updateTable('ppob_transactions')
    .set({ status: 'unknown', hesda_transaction_id: null, ...extra })
    .where('id', '=', seeded.id)
    .execute();
  return seeded;
}

/** The same row on any database handle (a test beside real server processes has no World). */
export async function insertPendingTransaction(
  db: Kysely<Database>,
  hesdaId: string,
  now: number,
  memberId: number | null = null,
) {
  return db
    .insertInto('ppob_transactions')
    .values({
      idempotency_key: `seed-${randomBytes(6).toString('hex')}`,
      hesda_transaction_id: hesdaId,
      member_id: memberId,
      product_code: 'XXL5',
      product_name: 'XX 5.000',
      customer_no: '0895123456789',
      status: 'pending',
      sn: null,
      message: 'Transaksi sedang diproses',
      last_error: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function update(transactionId: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    transaction_id: transactionId,
    product_name: 'XX 5.000',
    customer_no: '0895123456789',
    sn: status === 'success' ? '1234567890' : '',
    status,
    message: status === 'success' ? 'Transaksi Berhasil' : status === 'failed' ? 'Transaksi Gagal' : 'Diproses',
    ...extra,
  };
}

/** The env a world needs for PPOB against a fake Hesda. */
export function hesdaEnv(fake: FakeHesda | null, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HESDA_SECRET_KEY: HESDA_SECRET,
    HESDA_API_KEY,
    ...(fake ? { HESDA_API_URL: fake.url } : {}),
    ...extra,
  };
}
