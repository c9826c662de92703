import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../errors.js';
import { sendError } from '../web/respond.js';
import { SSE_HEADERS } from './sse.js';
import type { StreamAnswer, StreamEndpoint } from './stream-endpoint.js';
import { resumeFrom } from './stream-endpoint.js';
import type { StreamOutput } from './stream-hub.js';
import { STREAM_PATHS } from './stream-socket.js';

export interface RealtimeRouteOptions {
  open: StreamEndpoint;
}

/**
 * The event stream as Fastify routes. Over a real connection the stream is answered below Fastify
 * (src/realtime/stream-socket.ts); these routes answer it where that cannot be: app.inject(),
 * which has no socket, and a connection Node's HTTP server kept. They also put the stream in the
 * route table the security tests walk. Same endpoint, same quota: only the transport differs.
 */
export const realtimeRoutes: FastifyPluginAsync<RealtimeRouteOptions> = async (app, { open }) => {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    await open(
      {
        id: request.id,
        ip: request.ip,
        cookie: request.headers.cookie,
        after: resumeFrom(request.headers['last-event-id'], request.url),
      },
      new ReplyAnswer(request, reply),
    );
    // A thenable: settles once an error answer is sent; at once for a stream (hijacked).
    return reply;
  };
  for (const path of STREAM_PATHS) app.get(path, handler);
};

/** A stream's answer through Fastify: errors by sendError, the stream on the hijacked response. */
class ReplyAnswer implements StreamAnswer {
  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
  ) {}

  get gone(): boolean {
    return this.reply.raw.closed;
  }

  refuse(code: ErrorCode, answer: { message?: string; retryAfterSeconds?: number } = {}): void {
    if (answer.retryAfterSeconds !== undefined) this.reply.header('retry-after', String(answer.retryAfterSeconds));
    void sendError(this.request, this.reply, code, answer.message ? { message: answer.message } : {});
  }

  start(firstFrame: string): StreamOutput {
    this.reply.hijack();
    const res = this.reply.raw;
    res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': this.request.id });
    res.write(firstFrame);
    const socket = this.request.raw.socket;
    // Nagle would hold small event frames back for an ACK. (Optional calls: inject()'s fake socket
    // has neither.) The silent-socket timeout cannot fire on a stream, whose heartbeats write.
    socket?.setNoDelay?.(true);
    socket?.setTimeout?.(0);
    return res;
  }

  abandon(): void {
    this.reply.hijack();
  }
}
