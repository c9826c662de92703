import type { FastifyError, FastifyInstance } from 'fastify';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function refusal(code: string, statusCode: number, message: string): FastifyError {
  return Object.assign(new Error(message), { code, statusCode, name: 'FastifyError' }) as FastifyError;
}

/**
 * JSON bodies as they were sent or refused, never guessed at: bytes that are not UTF-8 are 400
 * `INVALID_JSON` (Fastify's own parser would replace them with U+FFFD and carry on), and a body
 * compressed with `Content-Encoding` is 415 (nothing here inflates it; reading it as plain JSON
 * would mean reading garbage). Then Fastify's own parser, with its prototype-poisoning refusals.
 * The webhooks keep their raw-bytes parsers (they check a signature over exactly what arrived).
 */
export function strictJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity')
      return done(refusal('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'Content-Encoding is not supported'), undefined);
    let text: string;
    try {
      text = UTF8.decode(body as Buffer);
    } catch {
      return done(refusal('FST_ERR_CTP_INVALID_JSON_BODY', 400, 'body is not UTF-8'), undefined);
    }
    void parse(request, text, done);
  });
}
