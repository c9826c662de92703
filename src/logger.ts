import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import pino from 'pino';

/** One-time tokens travel in link query strings; they never reach a log line. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|password|key)=)[^&#]*/gi, '$1[redacted]');
}

/** What services log through: satisfied by pino and by Fastify's request logger alike. */
export type Log = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
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
    destination,
  );
}
