import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../errors.js';
import { errorBody, errorTable } from '../errors.js';
import { html } from './html.js';
import { page } from './layout.js';
import { ownReferer, STALE_FORM_RELOAD_SECONDS, staleFormPage, staleFormTarget } from './stale-form.js';

/**
 * How answers are chosen and sent, in one place. Two questions, deliberately different:
 * - prefersHtml: should an *error* or a refused page be a page? Only for browsers (Accept names
 *   text/html) and never on machine endpoints (/api, /webhook), which always get JSON.
 * - asksForJson: should a *form endpoint* (/login …) answer JSON? Only when the client asks for it
 *   explicitly; a plain form post (or a client that accepts anything) gets the page and redirects.
 */
export function prefersHtml(request: FastifyRequest): boolean {
  const path = request.url;
  if (path.startsWith('/webhook') || path.startsWith('/api/')) return false;
  return String(request.headers.accept ?? '').includes('text/html');
}

export function asksForJson(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? '');
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** A page that must not be cached (it shows a member's data or carries a CSRF token). */
export function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(body);
}

/**
 * The Content-Security-Policy of every page: our own scripts and styles only, no inline script,
 * never framed. A page that embeds a player names the one origin it may frame.
 */
export function contentSecurityPolicy(frameSrc?: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    ...(frameSrc ? [`frame-src ${frameSrc}`] : []),
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/**
 * Headers on every answer (app.ts adds them in onSend; an answer written on a raw socket spells them
 * out): no MIME sniffing of a body, never framed by another site, no full URL leaked in Referer.
 */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
} as const;

/** An HTTP/1.1 response head for a raw socket. Names and values are the server's own, never a client's bytes. */
export function rawResponseHead(status: number, headers: Readonly<Record<string, string>>): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  return `${head}\r\n`;
}

/**
 * sendError's JSON answer where there is no reply, only a socket (Node's parser refused the request;
 * the event stream, answered below Fastify): the same body, the status from the same table, the
 * headers every answer has, and the connection closed after it.
 */
export function rawErrorAnswer(
  code: ErrorCode,
  requestId: string,
  answer: { message?: string; headers?: Readonly<Record<string, string>> } = {},
): string {
  const body = JSON.stringify(errorBody(code, requestId, answer.message));
  const head = rawResponseHead(errorTable[code].status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    ...answer.headers,
    ...SECURITY_HEADERS,
    'x-request-id': requestId,
    connection: 'close',
    date: new Date().toUTCString(),
  });
  return head + body;
}

export interface ErrorAnswer {
  /** Shown instead of the error table's message (Indonesian, like it). */
  message?: string;
  /** Fields beside `code` in the error object: the devices of a conflict, a transaction, a reason. */
  details?: Record<string, unknown>;
  /** Fields beside `error` at the top level, for callers that read their own shape (Hesda, the old login page). */
  envelope?: Record<string, unknown>;
  /** Always JSON, even for a browser (a form endpoint answering its own script). */
  json?: boolean;
}

/**
 * The one way an error is answered. The status comes from the error table, never from the caller;
 * the body is `{"error": {code, message, requestId, …details}}`, or for a browser the Indonesian
 * error page. Unkey's errorResponse, and Fastify's single error table, are the model.
 */
export function sendError(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, answer: ErrorAnswer = {}) {
  const status = errorTable[code].status;
  const message = answer.message ?? errorTable[code].message;
  if (!answer.json && prefersHtml(request) && code === 'CSRF_REJECTED') {
    // A form older than the CSRF cookie (a restart with a new secret, a tab left open): reload it
    // instead of showing an error. The Refresh header works in every browser; the CSP allows no script.
    const target = staleFormTarget(request);
    return reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('refresh', `${STALE_FORM_RELOAD_SECONDS}; url=${target}`)
      .send(page('Formulir kedaluwarsa', staleFormPage(target)));
  }
  if (!answer.json && prefersHtml(request)) {
    return reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .send(
        page(
          'Terjadi masalah',
          // The code stays in the markup for support, not on screen: the reference finds the log line.
          html`<h1>${message}</h1><p class="muted" id="error-ref" data-code="${code}">Nomor rujukan: ${request.id}</p><p><a href="${backTarget(request)}" id="error-back">Kembali</a></p>`,
        ),
      );
  }
  const body = errorBody(code, request.id, message);
  return reply.code(status).send({ ...answer.envelope, error: { ...body.error, ...answer.details } });
}

/** "Kembali" after a refused form goes back to that form; after a page that does not exist, home. */
function backTarget(request: FastifyRequest): string {
  const from = request.method === 'GET' ? null : ownReferer(request);
  return from ?? '/';
}
