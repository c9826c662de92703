import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { DatabaseHandle } from './db/index.js';
import type { StreamHub } from './realtime/index.js';
import { sendError } from './web/respond.js';
import type { PreviousKeyUse } from './webhooks/index.js';

export interface MetricsOptions {
  /** Without a token the endpoint does not exist (nothing about the server is public by default). */
  token: string | undefined;
  database: DatabaseHandle;
  hub: StreamHub;
  previousKeyUse: PreviousKeyUse;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** GET /metrics in the Prometheus text format, behind METRICS_TOKEN. */
export const metricsRoutes: FastifyPluginAsync<MetricsOptions> = async (
  app,
  { token, database, hub, previousKeyUse },
) => {
  if (!token) return;
  app.get('/metrics', async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, token)) {
      return sendError(request, reply, 'UNAUTHENTICATED', { message: 'Token metrics salah.', json: true });
    }
    const memory = process.memoryUsage();
    const lines = [
      '# HELP gerbang_db_queries_total Database statements run since start.',
      '# TYPE gerbang_db_queries_total counter',
      `gerbang_db_queries_total ${database.stats.queries}`,
      '# HELP gerbang_realtime_streams Open realtime event streams.',
      '# TYPE gerbang_realtime_streams gauge',
      `gerbang_realtime_streams ${hub.size}`,
      '# HELP gerbang_realtime_events_delivered_total Events written to streams.',
      '# TYPE gerbang_realtime_events_delivered_total counter',
      `gerbang_realtime_events_delivered_total ${hub.delivered}`,
      '# HELP gerbang_webhook_previous_key_total Webhooks verified only by the previous key of a rotation (retries included).',
      '# TYPE gerbang_webhook_previous_key_total counter',
      `gerbang_webhook_previous_key_total{provider="lynk"} ${previousKeyUse.lynk}`,
      `gerbang_webhook_previous_key_total{provider="hesda"} ${previousKeyUse.hesda}`,
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${memory.rss}`,
      '# TYPE nodejs_heap_used_bytes gauge',
      `nodejs_heap_used_bytes ${memory.heapUsed}`,
    ];
    return reply
      .header('content-type', 'text/plain; version=0.0.4')
      .header('cache-control', 'no-store')
      .send(`${lines.join('\n')}\n`);
  });
};
