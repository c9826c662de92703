import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { ErrorCode } from '../errors.js';
import { errorBody, errorTable } from '../errors.js';

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
  // A raw socket, not a reply: the same body and the status from the same table as sendError.
  const status = errorTable[code].status;
  const requestId = randomUUID();
  log.info({ code, parserError: error.code, requestId }, `request refused by the HTTP parser: ${code}`);
  if (socket.writable) {
    const body = JSON.stringify(errorBody(code, requestId));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `x-content-type-options: nosniff\r\nx-request-id: ${requestId}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
