import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { addMember, cookieHeader, PASSWORD, TestDevice } from '../helpers/auth.js';
import { SseConnection } from '../helpers/sse-client.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS } from '../helpers/world.js';

const ANI = 'ani@example.com';
const STREAM = '/api/realtime/stream';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The headers app.ts gives every answer (src/web/respond.ts SECURITY_HEADERS). */
const SECURITY = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/** A client that writes bytes as given and keeps every byte received (for what an http client hides). */
class RawClient {
  received = '';
  closed = false;
  readonly socket: Socket;
  private waiters = new Set<() => void>();

  constructor(port: number, request: string) {
    this.socket = connect(port, '127.0.0.1', () => this.socket.write(request));
    this.socket.setEncoding('utf8');
    this.socket.on('data', (text: string) => {
      this.received += text;
      for (const wake of [...this.waiters]) wake();
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
      for (const wake of [...this.waiters]) wake();
    });
  }

  until(done: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; received: ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/**
 * The event stream over a real connection is answered below Fastify, on the socket Node's HTTP
 * server lets go of (src/realtime/stream-socket.ts). What Fastify gave every answer, it still has.
 */
describe.each(DIALECTS)('the event stream answered on its own socket (%s)', (dialect) => {
  let world: World | undefined;
  let port = 0;
  const clients: { close(): void }[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await world?.close();
    world = undefined;
  });

  const open = async (env: Record<string, string> = {}, logger?: pino.Logger) => {
    const w = await createWorld(dialect, env, logger ? { logger } : {});
    world = w;
    await addMember(w, ANI);
    await w.app.listen({ port: 0, host: '127.0.0.1' });
    port = (w.app.server.address() as AddressInfo).port;
    return w;
  };
  const signIn = async (w: World) => {
    const device = new TestDevice(w.app);
    expect((await device.login(ANI, PASSWORD)).statusCode).toBe(303);
    return device;
  };
  const stream = async (headers: Record<string, string>, path = STREAM) => {
    const connection = await SseConnection.open(port, path, headers);
    clients.push(connection);
    return connection;
  };
  const raw = (request: string) => {
    const client = new RawClient(port, request);
    clients.push({ close: () => client.socket.destroy() });
    return client;
  };

  it("Node's HTTP server lets go of the stream's connection: no parser or listener of its own is left on it", async () => {
    const w = await open();
    const cookie = cookieHeader((await signIn(w)).cookies);
    const accepted: Socket[] = [];
    w.app.server.on('connection', (socket: Socket) => accepted.push(socket));
    const res = await stream({ cookie });
    await res.connected();
    expect(res.status).toBe(200);
    // Framed as Node frames a response without a length; nothing follows a stream on its connection.
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers.connection).toBe('close');
    const [socket] = accepted;
    expect((socket as unknown as { parser?: unknown }).parser ?? null).toBeNull();
    expect(socket?.listenerCount('data')).toBe(0);
    expect(socket?.listenerCount('timeout')).toBe(0);
    expect(w.app.streams.size).toBe(1);
  });

  it('a stream still gets the x-request-id (the caller’s when it looks like one) and the headers of every answer', async () => {
    const w = await open();
    const cookie = cookieHeader((await signIn(w)).cookies);
    const given = await stream({ cookie, 'x-request-id': 'nginx-trace.42' });
    await given.connected();
    expect(given.headers['x-request-id']).toBe('nginx-trace.42');
    expect(given.headers).toMatchObject(SECURITY);
    expect(given.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(given.headers['cache-control']).toBe('no-cache, no-store, no-transform');
    expect(given.headers['x-accel-buffering']).toBe('no');
    expect(given.headers.date).toBeDefined();
    // Arbitrary bytes are never echoed: a fresh id instead.
    const odd = await stream({ cookie, 'x-request-id': 'two words' });
    await odd.connected();
    expect(odd.headers['x-request-id']).toMatch(UUID);
    // A page answer of the same app carries the same security headers.
    const page = await fetch(`http://127.0.0.1:${port}/login`);
    for (const [name, value] of Object.entries(SECURITY)) expect(page.headers.get(name)).toBe(value);
  });

  it('401 without a session: the JSON error shape with the request id, the headers of every answer, then the connection closes', async () => {
    await open();
    const res = await stream({ 'x-request-id': 'req-401' });
    await res.ended;
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-request-id']).toBe('req-401');
    expect(res.headers).toMatchObject(SECURITY);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.raw)).toEqual({
      error: { code: 'UNAUTHENTICATED', message: 'Sesi tidak valid. Silakan masuk.', requestId: 'req-401' },
    });
  });

  it('while the instance drains (shutdown), a new stream gets 503 SHUTTING_DOWN with Retry-After', async () => {
    const w = await open();
    const cookie = cookieHeader((await signIn(w)).cookies);
    void w.app.drain.begin();
    const res = await stream({ cookie });
    await res.ended;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(JSON.parse(res.raw).error).toMatchObject({ code: 'SHUTTING_DOWN', requestId: res.headers['x-request-id'] });
    expect(w.app.streams.size).toBe(0);
  });

  it('behind TRUST_PROXY the per-IP cap counts the client X-Forwarded-For names, as request.ip does', async () => {
    const w = await open({ TRUST_PROXY: '1', REALTIME_MAX_STREAMS_PER_IP: '1' });
    const cookie = cookieHeader((await signIn(w)).cookies);
    const first = await stream({ cookie, 'x-forwarded-for': '203.0.113.7' });
    await first.connected();
    const sameClient = await stream({ cookie, 'x-forwarded-for': '203.0.113.7' });
    await sameClient.ended;
    expect(sameClient.status).toBe(429);
    expect(sameClient.headers['retry-after']).toBe('30');
    const otherClient = await stream({ cookie, 'x-forwarded-for': '198.51.100.9' });
    await otherClient.connected();
    expect(otherClient.status).toBe(200);
  });

  it('without TRUST_PROXY a forged X-Forwarded-For changes nothing: every stream counts for the socket’s address', async () => {
    const w = await open({ REALTIME_MAX_STREAMS_PER_IP: '1' });
    const cookie = cookieHeader((await signIn(w)).cookies);
    await (await stream({ cookie, 'x-forwarded-for': '203.0.113.7' })).connected();
    const forged = await stream({ cookie, 'x-forwarded-for': '198.51.100.9' });
    await forged.ended;
    expect(forged.status).toBe(429);
  });

  it('an HTTP/1.0 client gets the stream as a body that lasts until the connection closes (no chunks)', async () => {
    const w = await open();
    const cookie = cookieHeader((await signIn(w)).cookies);
    const client = raw(`GET ${STREAM} HTTP/1.0\r\nAccept: text/event-stream\r\nCookie: ${cookie}\r\n\r\n`);
    await client.until(() => client.received.includes(': connected\n\n'), 'the stream');
    const [head = '', body = ''] = client.received.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head.toLowerCase()).not.toContain('transfer-encoding');
    // Frames only, no chunk sizes between them (a heartbeat may already have come).
    expect(body).toMatch(/^retry: 3000\n\n: connected\n\n(: ping\n\n)*$/);
    // Shutdown ends it with a reconnect hint, then the connection closes.
    await w.app.close();
    await client.until(() => client.closed, 'the close');
    expect(client.received.endsWith('retry: 1000\n\n')).toBe(true);
  });

  it('a request pipelined behind the stream’s on one connection: Node keeps the connection and Fastify serves the stream', async () => {
    const w = await open();
    const cookie = cookieHeader((await signIn(w)).cookies);
    const client = raw(
      `GET ${STREAM} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nCookie: ${cookie}\r\n\r\n` +
        'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    await client.until(() => client.received.includes(': connected'), 'the stream');
    expect(client.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(client.received).toContain('content-type: text/event-stream; charset=utf-8');
    // Node's own framing of the answer (the socket was not taken): its connection stays reusable.
    expect(client.received).toContain('connection: keep-alive');
    expect(w.app.streams.size).toBe(1);
  });

  it('a session check that fails is answered with the error JSON, not left hanging', async () => {
    const w = await open();
    const cookie = cookieHeader((await signIn(w)).cookies);
    await w.database.close();
    const res = await stream({ cookie, 'x-request-id': 'req-db' });
    await res.ended;
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(JSON.parse(res.raw).error).toMatchObject({
      code: expect.stringMatching(/^(STORAGE_UNAVAILABLE|INTERNAL)$/),
      requestId: 'req-db',
    });
    expect(w.app.streams.size).toBe(0);
  });

  it('the request log line and the latency metric are taken at the stream’s head', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const w = await open({ METRICS_TOKEN: 'metrics-token-0123456789' }, createLogger('info', sink));
    const cookie = cookieHeader((await signIn(w)).cookies);
    await (await stream({ cookie, 'x-request-id': 'req-log' }, `${STREAM}?lastEventId=0&token=rahasia`)).connected();
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request' && l.reqId === 'req-log');
    expect(line).toMatchObject({ method: 'GET', url: `${STREAM}?lastEventId=0&token=[redacted]`, status: 200 });
    expect(line.ms).toBeGreaterThanOrEqual(0);
    const metrics = await w.app.inject({
      url: '/metrics',
      headers: { authorization: 'Bearer metrics-token-0123456789' },
    });
    expect(metrics.body).toContain(
      `gerbang_http_request_duration_seconds_count{method="GET",route="${STREAM}",status="2xx"} 1`,
    );
  });
});

describe('the event stream while the LISTEN connection is down, over a real connection', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('is refused with 503 STORAGE_UNAVAILABLE and Retry-After, on both paths; once back, it opens', async () => {
    const w = await createWorld('sqlite');
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
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      for (const path of [STREAM, '/api/realtime/attendance-stream']) {
        const res = await SseConnection.open(port, path);
        await res.ended;
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('2');
        expect(JSON.parse(res.raw).error.code).toBe('STORAGE_UNAVAILABLE');
      }
      listening = true;
      const anonymous = await SseConnection.open(port, STREAM);
      await anonymous.ended;
      expect(anonymous.status).toBe(401);
    } finally {
      await app.close();
    }
  });
});
