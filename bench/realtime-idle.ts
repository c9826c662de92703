import { performance } from 'node:perf_hooks';
import { cpuShares, takeCpuSnapshot } from './cpu-usage.js';
import type { ServerMetrics } from './realtime-metrics.js';
import type { IdleWindow, MemorySample } from './realtime-report.js';
import { percentiles } from './realtime-report.js';
import type { StreamFleet } from './realtime-streams.js';
import type { ServerProcess } from './server-process.js';

/**
 * What idle streams cost the server: database statements (the target is none), CPU (heartbeats)
 * and memory. Reading /metrics runs no statement, so the bench can watch the counter freely.
 */

/**
 * Two workers poll as a safety net, at start and then every 60 s when nothing is due: the mail
 * worker (MAIL_POLL_INTERVAL_MS, which the bench leaves alone: BEGIN, the claim UPDATE, COMMIT,
 * the next-due SELECT; src/mail/worker.ts) and the outbound webhook worker (src/webhooks-out/worker.ts:
 * its claim transaction and the two next-due reads, 6 statements as counted on an idle server).
 * Expected runs in a window explain their queries; the rest is unexplained (the streams' target: 0).
 */
const MAIL_POLL_MS = 60_000;
const MAIL_POLL_STATEMENTS = 4 + 6;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Queries, CPU and heartbeats over a window in which the bench sends nothing but two /metrics reads. */
export async function measureIdle(
  /** One instance, or several (CPU is the first one's; queries and mail polls are summed). */
  servers: ServerProcess | readonly ServerProcess[],
  fleet: StreamFleet,
  seconds: number,
  readMetrics: () => Promise<ServerMetrics>,
): Promise<IdleWindow> {
  const before = await readMetrics();
  const all = Array.isArray(servers) ? servers : [servers as ServerProcess];
  const server = all[0];
  if (!server) throw new Error('measureIdle needs a server');
  const cpuBefore = takeCpuSnapshot(server.pid);
  const heartbeatsBefore = fleet.heartbeats;
  const startedAt = performance.now();
  const burstsBefore = fleet.bursts.length;
  await sleep(seconds * 1000);
  const cpuAfter = takeCpuSnapshot(server.pid);
  const after = await readMetrics();
  const elapsed = (performance.now() - startedAt) / 1000;
  // Ticks that began inside the window (the last one may still be arriving: it is complete by now).
  const ticks = fleet.bursts.slice(burstsBefore).filter((b) => b.startMs >= startedAt);
  const queries = after.queries - before.queries;
  const endedAt = startedAt + elapsed * 1000;
  let mailPolls = 0;
  for (const instance of all)
    for (let due = instance.startedPerf; due <= endedAt; due += MAIL_POLL_MS) if (due >= startedAt) mailPolls += 1;
  return {
    streams: fleet.size,
    seconds: elapsed,
    queries,
    queriesPerSecond: queries / elapsed,
    mailPollIntervalS: MAIL_POLL_MS / 1000,
    mailPolls,
    mailPollStatements: mailPolls * MAIL_POLL_STATEMENTS,
    heartbeats: fleet.heartbeats - heartbeatsBefore,
    heartbeatTicks: ticks.length,
    tickSpreadMs: percentiles(ticks.map((b) => b.endMs - b.startMs)),
    cpu: cpuShares(cpuBefore, cpuAfter, 0),
  };
}

/** Heap used is sampled thrice and the least kept: garbage only ever adds to it. */
export async function sampleMemory(readMetrics: () => Promise<ServerMetrics>): Promise<MemorySample> {
  let heap = Number.POSITIVE_INFINITY;
  let rss = 0;
  for (let i = 0; i < 3; i++) {
    const m = await readMetrics();
    heap = Math.min(heap, m.heapUsedBytes);
    rss = m.rssBytes;
    await sleep(500);
  }
  return { rssBytes: rss, heapUsedBytes: heap };
}
