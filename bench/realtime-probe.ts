import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Percentiles } from './realtime-report.js';
import { percentiles } from './realtime-report.js';
import type { HeartbeatBurst } from './realtime-streams.js';
import { nearTick } from './realtime-streams.js';

/**
 * How long the server's event loop is held: GET /healthz (no database, no work) every few
 * milliseconds on one keep-alive connection, its answer time split by whether the request overlapped
 * a heartbeat tick. Any request, and any event push, that arrives during a tick waits as long.
 */

const PROBE_GAP_MS = 10;

export interface ProbeResult {
  requests: number;
  duringTick: Percentiles;
  otherwise: Percentiles;
}

function getHealthz(baseUrl: string, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/healthz`, { agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve());
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('/healthz timed out')));
    req.on('error', reject);
    req.end();
  });
}

export async function probeResponsiveness(
  baseUrl: string,
  seconds: number,
  bursts: () => readonly HeartbeatBurst[],
): Promise<ProbeResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: { sent: number; answered: number }[] = [];
  try {
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const sent = performance.now();
      await getHealthz(baseUrl, agent);
      samples.push({ sent, answered: performance.now() });
      await new Promise((resolve) => setTimeout(resolve, PROBE_GAP_MS));
    }
  } finally {
    agent.destroy();
  }
  const ticks = bursts();
  const during: number[] = [];
  const otherwise: number[] = [];
  for (const s of samples) {
    const overlaps = nearTick(s.answered, ticks);
    (overlaps ? during : otherwise).push(s.answered - s.sent);
  }
  return { requests: samples.length, duringTick: percentiles(during), otherwise: percentiles(otherwise) };
}
