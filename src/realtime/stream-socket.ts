import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isDatabaseUnavailable } from '../db/index.js';
import type { ErrorCode } from '../errors.js';
import { errorTable } from '../errors.js';
import type { Log } from '../logger.js';
import { rawErrorAnswer, rawResponseHead, SECURITY_HEADERS } from '../web/respond.js';
import { SSE_HEADERS } from './sse.js';
import type { StreamAnswer, StreamEndpoint, StreamRequest } from './stream-endpoint.js';
import { resumeFrom } from './stream-endpoint.js';
import type { StreamOutput } from './stream-hub.js';

/** The stream's path, and the old realtime.js path kept so bookmarked pages and cached scripts work. */
export const STREAM_PATHS: readonly string[] = ['/api/realtime/stream', '/api/realtime/attendance-stream'];

/** One answer given below Fastify, for the request log line and the latency metric. */
export interface StreamAnswered {
  requestId: string;
  url: string;
  /** The route's path (the metric's label). */
  route: string;
  status: number;
  ms: number;
}

export interface StreamDoorOptions {
  open: StreamEndpoint;
  /** X-Request-Id → the request's id (src/web/request-id.ts), as Fastify's genReqId. */
  requestId: (given: string | string[] | undefined) => string;
  /** The socket's peer and X-Forwarded-For → the client's address, as Fastify's request.ip. */
  clientIp: (peer: string | undefined, forwardedFor: string | string[] | undefined) => string | undefined;
  /** Shutdown began: new streams are refused as every new request is (src/drain.ts). */
  draining: () => boolean;
  drainRetryAfterSeconds: number;
  /** Once per answer, when its head is written (a stream's lifetime is not a request's latency). */
  onAnswered: (answer: StreamAnswered) => void;
  log: Log;
}

/** What Fastify's request listener is. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Errors of a socket whose browser simply left. */
const DEPARTURES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * `upgrade` is set by Node's parser; not in Node's types, but what its HTTP server reads after the
 * request listeners to let go of a connection (lib/_http_server.js, onParserExecuteCommon).
 */
type UpgradableRequest = IncomingMessage & { upgrade?: boolean };

/** The stream's head, but for its request id and date: written once, never kept. */
const STREAM_HEAD = { ...SSE_HEADERS, connection: 'close', ...SECURITY_HEADERS } as const;

/** The route of a stream request, or null for every other request. */
function streamRoute(req: IncomingMessage): string | null {
  if (req.method !== 'GET' || req.url === undefined) return null;
  const query = req.url.indexOf('?');
  const path = query < 0 ? req.url : req.url.slice(0, query);
  return STREAM_PATHS.includes(path) ? path : null;
}

/**
 * The event stream answered below Fastify, on the connection itself. An open stream is most of
 * what an instance holds (19,500 of them at the descriptor ceiling), and through Node's HTTP server
 * and Fastify each would keep its parser, request and response objects, their headers, Fastify's
 * request, reply and logger for as long as it lasts: about 13 KiB, where the socket alone is 4.
 * So the server's request listener hands GET of the two stream paths here, before Fastify, and the
 * request is marked as an upgrade: right after the listener, Node's HTTP server lets go of the
 * connection as it does for a WebSocket (its listeners removed, its parser freed). On the next
 * turn the socket is ours; the answer is written on it (a close-delimited body: nothing follows
 * an event stream on its connection), and the request, response and headers are left behind.
 *
 * When Node kept the connection instead (a request pipelined behind the stream's), Fastify answers
 * it as any request, through the same routes (src/realtime/routes.ts).
 */
export function streamDoor(options: StreamDoorOptions) {
  const { log } = options;

  // One listener of each kind for every taken socket (`this` is the socket): nothing per stream.
  function onSocketError(this: Socket, error: Error & { code?: string }) {
    if (!DEPARTURES.has(error.code ?? '')) log.warn({ err: error }, 'realtime stream socket failed');
  }
  // The browser closed its side: ours closes too (the server's sockets are half-open capable, so
  // without this the socket would stay open, holding its slot).
  function onSocketEnd(this: Socket) {
    this.end();
  }

  const takeOver = (
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    fastify: RequestListener,
    started: number,
  ) => {
    // Closed before this turn: Node's HTTP server saw it and ended the response (its 'close' came).
    if (res.closed) return;
    const socket = req.socket;
    if ((socket as { parser?: unknown }).parser) {
      (req as UpgradableRequest).upgrade = false;
      fastify(req, res);
      return;
    }
    const request: StreamRequest = {
      id: options.requestId(req.headers['x-request-id']),
      ip: options.clientIp(socket.remoteAddress, req.headers['x-forwarded-for']) ?? '',
      cookie: req.headers.cookie,
      after: resumeFrom(req.headers['last-event-id'], req.url),
    };
    res.detachSocket(socket);
    // The first listener added resets the parser's listener wrappers Node left on the socket.
    socket.on('error', onSocketError);
    socket.on('end', onSocketEnd);
    // The connection's silent-socket timer has no listener any more; a stream's heartbeats keep
    // its proxy's connection alive. Nagle would hold small event frames back for an ACK.
    socket.setTimeout(0);
    socket.setNoDelay(true);
    // Read (and drop) whatever comes, to see the browser leave at once.
    socket.resume();
    const answer = new SocketAnswer(socket, res, request.id, req.url ?? route, route, started, options);
    if (options.draining()) {
      answer.refuse('SHUTTING_DOWN', { retryAfterSeconds: options.drainRetryAfterSeconds });
      return;
    }
    options.open(request, answer).catch((error: unknown) => {
      // Before the head (the session check failed): the answer is still to give, as Fastify's
      // error handler would (the database down or locked is 503, so the browser retries).
      log.error({ reqId: request.id, err: error }, 'realtime stream failed');
      if (answer.answered) socket.destroy();
      else answer.refuse(isDatabaseUnavailable(error) ? 'STORAGE_UNAVAILABLE' : 'INTERNAL');
    });
  };

  /**
   * The first step of the server's request listener: true when the request is an event stream,
   * now this door's; false for every other request, which goes on to Fastify.
   */
  return function takeStream(req: IncomingMessage, res: ServerResponse, fastify: RequestListener): boolean {
    const route = streamRoute(req);
    if (route === null) return false;
    // Node's HTTP server reads this right after the request listeners return.
    (req as UpgradableRequest).upgrade = true;
    setImmediate(takeOver, req, res, route, fastify, performance.now());
    return true;
  };
}

/** A stream's answer on its socket: the head written whole, then the socket itself is the output. */
class SocketAnswer implements StreamAnswer {
  answered = false;

  constructor(
    private readonly socket: Socket,
    private readonly res: ServerResponse,
    private readonly requestId: string,
    private readonly url: string,
    private readonly route: string,
    private readonly started: number,
    private readonly options: StreamDoorOptions,
  ) {}

  get gone(): boolean {
    return this.socket.destroyed || this.socket.writableEnded;
  }

  refuse(code: ErrorCode, answer: { message?: string; retryAfterSeconds?: number } = {}): void {
    const headers: Record<string, string> =
      answer.retryAfterSeconds === undefined ? {} : { 'retry-after': String(answer.retryAfterSeconds) };
    this.socket.end(
      rawErrorAnswer(code, this.requestId, { ...(answer.message ? { message: answer.message } : {}), headers }),
    );
    this.socket.destroySoon();
    this.answer(errorTable[code].status);
  }

  start(firstFrame: string): StreamOutput {
    const head = rawResponseHead(200, {
      ...STREAM_HEAD,
      'x-request-id': this.requestId,
      date: new Date().toUTCString(),
    });
    this.socket.write(head + firstFrame);
    this.answer(200);
    return this.socket;
  }

  abandon(): void {
    this.socket.destroy();
    this.answer(null);
  }

  private answer(status: number | null): void {
    this.answered = true;
    // Node's response object is over: whoever waits for its 'close' (the drain) stops waiting.
    this.res.destroyed = true;
    this.res.emit('close');
    if (status !== null)
      this.options.onAnswered({
        requestId: this.requestId,
        url: this.url,
        route: this.route,
        status,
        ms: performance.now() - this.started,
      });
  }
}
