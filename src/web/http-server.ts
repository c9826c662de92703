import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';

/** Fastify's request listener. */
export type FastifyListener = (req: IncomingMessage, res: ServerResponse) => void;

/** A listener that answers some requests itself: true when it took the request, false to pass it to Fastify. */
export type RequestTaker = (req: IncomingMessage, res: ServerResponse, fastify: FastifyListener) => boolean;

/**
 * Fastify's `serverFactory`: the HTTP/1 server Fastify would create itself (its lib/server.js), with
 * `take` asked first about every request. Fastify applies none of its server options to a server
 * it is given, so they are applied here as Fastify does: the `http` options (headers and request
 * timeouts, the connections check) at creation, then the keep-alive, request and silent-socket
 * timeouts.
 */
export function httpServerTaking(take: RequestTaker) {
  return (fastify: FastifyListener, options: Record<string, unknown>): Server => {
    const server = createServer(
      (options.http ?? {}) as Parameters<typeof createServer>[0],
      (req: IncomingMessage, res: ServerResponse) => {
        if (!take(req, res, fastify)) fastify(req, res);
      },
    );
    server.keepAliveTimeout = numberOption(options, 'keepAliveTimeout');
    server.requestTimeout = numberOption(options, 'requestTimeout');
    server.setTimeout(numberOption(options, 'connectionTimeout'));
    const perSocket = numberOption(options, 'maxRequestsPerSocket');
    // Fastify treats 0 as Node's default (no limit).
    if (perSocket > 0) server.maxRequestsPerSocket = perSocket;
    return server;
  };
}

/** Fastify has filled its defaults in before it calls the factory; a missing one is Node's 0. */
function numberOption(options: Record<string, unknown>, name: string): number {
  const value = options[name];
  return typeof value === 'number' ? value : 0;
}
