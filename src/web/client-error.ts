import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { ErrorCode } from '../errors.js';
import { rawErrorAnswer } from './respond.js';

/**
 * Requests Node's HTTP parser refuses before any route runs: a Content-Length that lies or is
 * doubled, Content-Length beside Transfer-Encoding (request smuggling), oversized headers, a body
 * that never arrives. Fastify's own answer has another shape ({error, message, statusCode}); this
 * one is the {error:{code,message,requestId}} every other refusal has, with a fresh request id
 * since no request was ever made.
 */
export function answerClientError(log: FastifyBaseLogger, error: Error & { code?: string }, socket: Socket): void {
  // The peer is gone: nothing to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'HEADERS_TOO_LARGE'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'REQUEST_TIMEOUT'
        : 'BAD_REQUEST';
  const requestId = randomUUID();
  log.info({ code, parserError: error.code, requestId }, `request refused by the HTTP parser: ${code}`);
  // A raw socket, not a reply: the same body and the status from the same table as sendError.
  if (socket.writable) socket.write(rawErrorAnswer(code, requestId));
  socket.destroy(error);
}
