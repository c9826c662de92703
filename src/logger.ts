import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import pino from 'pino';

/**
 * One-time tokens travel in link query strings; they never reach a log line. Nor does a buyer's
 * email typed into a console search (`?cari=ani@example.com`): personal data stays out of info logs.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&](?:token|password|key)=)[^&#]*/gi, '$1[redacted]')
    .replace(/([?&][^=&#]*=)[^&#]*(?:@|%40)[^&#]*/gi, '$1[email]');
}

/** A buyer's address in a log line: a short digest that matches the same address, never the address. */
export function emailDigest(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase(), 'utf8').digest('hex').slice(0, 12);
}

/** What services log through: satisfied by pino and by Fastify's request logger alike. */
export type Log = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * Readable lines for a developer at a terminal. pino-pretty is a development dependency: where it is
 * not installed (a production install) the log stays JSON rather than failing to start.
 */
function prettyStream(): pino.DestinationStream | undefined {
  try {
    return pino.transport({
      target: 'pino-pretty',
      options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' },
    });
  } catch {
    return undefined;
  }
}

export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  format: 'json' | 'pretty' = 'json',
): Logger {
  return pino(
    {
      level,
      base: { service: 'gerbang' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'req.headers.cookie',
          'req.headers.authorization',
          'req.headers["x-lynk-signature"]',
          'req.headers["x-hesda-signature"]',
          '*.password',
          '*.token',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: FastifyRequest) => ({
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.ip,
        }),
        err: pino.stdSerializers.err,
      },
    },
    destination ?? (format === 'pretty' ? prettyStream() : undefined),
  );
}
