import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isDatabaseUnavailable } from '../db/index.js';
import type { ErrorCode } from '../errors.js';
import { errorTable } from '../errors.js';
import type { Log } from '../logger.js';
import type { FastifyListener, RequestTaker } from '../web/http-server.js';
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

/** Errors of a socket whose browser simply left. */
const DEPARTURES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * `upgrade` is set by Node's parser; not in Node's types, but what its HTTP server reads after the
 * request listeners to let go of a connection (lib/_http_server.js, onParserExecuteCommon).
 */
type UpgradableRequest = IncomingMessage & { upgrade?: boolean };

/**
 * The stream's head, but for its request id and date: written once, never kept. Chunked, as Node
 * would frame it, so a connection that breaks (an instance killed) is told from a stream the server
 * ended (its last chunk); the connection closes after it, since nothing follows a stream on it.
 */
const STREAM_HEAD = { ...SSE_HEADERS, 'transfer-encoding': 'chunked', connection: 'close', ...SECURITY_HEADERS };
/** HTTP/1.0 has no chunked coding: the body ends with the connection. */
const STREAM_HEAD_HTTP10 = { ...SSE_HEADERS, connection: 'close', ...SECURITY_HEADERS };

/** The chunk of the last frame framed: every heartbeat of a tick is the same frame. */
let lastFrame = '';
let lastChunk = '';

/** A frame as one chunk of the chunked transfer coding (RFC 9112 §7.1). */
function chunkOf(frame: string): string {
  if (frame !== lastFrame) {
    lastChunk = `${Buffer.byteLength(frame).toString(16)}\r\n${frame}\r\n`;
    lastFrame = frame;
  }
  return lastChunk;
}

/** A stream's output on its socket, framed in chunks: one small object beside the socket. */
class ChunkedSocket implements StreamOutput {
  constructor(private readonly socket: Socket) {}

  get writableEnded(): boolean {
    return this.socket.writableEnded;
  }

  write(frame: string): void {
    this.socket.write(chunkOf(frame));
  }

  end(frame?: string): void {
    if (this.socket.writableEnded) return;
    this.socket.end(frame === undefined ? '0\r\n\r\n' : `${chunkOf(frame)}0\r\n\r\n`);
  }

  on(event: 'close', listener: () => void): void {
    this.socket.on(event, listener);
  }

  destroySoon(): void {
    this.socket.destroySoon();
  }
}

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
 * turn the socket is ours; the answer is written on it, framed as Node would (chunks), and the
 * request, response and headers are left behind. Nothing follows a stream on its connection: the
 * head says `connection: close`, and the socket closes after the stream's last chunk.
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

  const takeOver = (
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    fastify: FastifyListener,
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
    // Node's response object is over: whoever waits for its 'close' (the drain) stops waiting, and
    // it goes, with the request and its headers, before the session check. A stream that opens
    // while shutdown begins is ended with the shutdown's retry hint (StreamHub.closeAll), and the
    // server's close waits for its socket.
    res.detachSocket(socket);
    res.destroyed = true;
    res.emit('close');
    // The first listener added resets the parser's listener wrappers Node left on the socket.
    socket.on('error', onSocketError);
    // The browser closing its side closes ours (the HTTP server's sockets are half-open capable:
    // without this the socket would stay open, holding its slot).
    socket.allowHalfOpen = false;
    // The connection's silent-socket timer has no listener any more; a stream's heartbeats keep
    // its proxy's connection alive. Nagle would hold small event frames back for an ACK.
    socket.setTimeout(0);
    socket.setNoDelay(true);
    // Read (and drop) whatever comes, to see the browser leave at once.
    socket.resume();
    const chunked = req.httpVersionMajor > 1 || req.httpVersionMinor > 0;
    const answer = new SocketAnswer(socket, request.id, req.url ?? route, route, started, chunked, options);
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
  const takeStream: RequestTaker = (req, res, fastify) => {
    const route = streamRoute(req);
    if (route === null) return false;
    // Node's HTTP server reads this right after the request listeners return.
    (req as UpgradableRequest).upgrade = true;
    setImmediate(takeOver, req, res, route, fastify, performance.now());
    return true;
  };
  return takeStream;
}

/** A stream's answer on its socket: the head written whole, then the stream's frames in chunks. */
class SocketAnswer implements StreamAnswer {
  answered = false;

  constructor(
    private readonly socket: Socket,
    private readonly requestId: string,
    private readonly url: string,
    private readonly route: string,
    private readonly started: number,
    private readonly chunked: boolean,
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
      ...(this.chunked ? STREAM_HEAD : STREAM_HEAD_HTTP10),
      'x-request-id': this.requestId,
      date: new Date().toUTCString(),
    });
    this.socket.write(head + (this.chunked ? chunkOf(firstFrame) : firstFrame));
    this.answer(200);
    return this.chunked ? new ChunkedSocket(this.socket) : this.socket;
  }

  abandon(): void {
    this.socket.destroy();
    this.answer(null);
  }

  private answer(status: number | null): void {
    this.answered = true;
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
