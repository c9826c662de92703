import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from './db/index.js';
import { pingDatabase } from './db/index.js';

const READY_TIMEOUT_MS = 2000;

export interface HealthOptions {
  db: Kysely<Database>;
  /** Whether the realtime LISTEN connection is up (PostgreSQL); absent: nothing to listen to. */
  realtimeListening?: () => boolean;
}

/**
 * /healthz: the process answers. /readyz: it can also reach its database and, with PostgreSQL, hear
 * the other instances' events (load balancers and the systemd unit's start-up check use this).
 */
export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, { db, realtimeListening }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        pingDatabase(db),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('database ping timed out')), READY_TIMEOUT_MS);
        }),
      ]);
      if (realtimeListening && !realtimeListening())
        return reply.code(503).send({ status: 'unavailable', database: 'ok', realtime: 'disconnected' });
      return { status: 'ready', database: 'ok' };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed: database unreachable');
      return reply.code(503).send({ status: 'unavailable', database: 'unreachable' });
    } finally {
      clearTimeout(timer);
    }
  });
};
