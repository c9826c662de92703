import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { DeliveryLedger } from './payment-pool.js';

/**
 * An open-loop load generator: request i leaves at start + i/rate whatever happened to earlier
 * requests, each on whatever keep-alive socket is free. Latency is measured from the *intended*
 * send time too, so a client that falls behind cannot hide server stalls (coordinated omission).
 * autocannon's overallRate is not this: each connection sends its per-second quota back to back
 * and then waits for the next second, which turns 200 req/s into bursts.
 */

const REQUEST_TIMEOUT_MS = 10_000;
const DRAIN_GRACE_MS = 15_000;

export interface PacedResult {
  durationS: number;
  /** Service latency: from writing the request to the last byte of the answer. */
  latenciesMs: Float64Array;
  /** From the intended send time: equals service latency while the client keeps up. */
  intendedLatenciesMs: Float64Array;
  /** How late the client itself was in sending, worst case. */
  maxSendLagMs: number;
  poolExhausted: boolean;
  /** Counted in the ledger as lost; always 0 here (kept for the same shape as autocannon's result). */
  errors: number;
}

export interface Target {
  url: string;
  agent: Agent;
}

export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 256 });
}

/** Sends pool entry `index` and records its answer in the ledger; resolves with the service time. */
export function sendDelivery(target: Target, ledger: DeliveryLedger, index: number): Promise<number | null> {
  const body = ledger.pool.bodies[index];
  const signature = ledger.pool.signatures[index];
  if (!body || !signature) return Promise.resolve(null);
  return new Promise((resolve) => {
    const sentAt = performance.now();
    const req = request(`${target.url}/webhook/lynk`, {
      method: 'POST',
      agent: target.agent,
      headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-lynk-signature': signature },
      timeout: REQUEST_TIMEOUT_MS,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        ledger.answer(index, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
        resolve(performance.now() - sentAt);
      });
      res.on('error', () => {
        ledger.lose(index);
        resolve(null);
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', () => {
      ledger.lose(index);
      resolve(null);
    });
    req.end(body);
  });
}

export async function runPaced(
  target: Target,
  ledger: DeliveryLedger,
  options: { rate: number; durationS: number },
): Promise<PacedResult> {
  const total = Math.round(options.rate * options.durationS);
  const intervalMs = 1000 / options.rate;
  const latencies = new Float64Array(total);
  const intended = new Float64Array(total);
  let answered = 0;
  let fired = 0;
  let maxSendLagMs = 0;
  let poolExhausted = false;
  const pending: Promise<void>[] = [];
  const start = performance.now();

  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now();
      while (fired < total && start + fired * intervalMs <= now) {
        const index = ledger.next();
        if (index === null) {
          poolExhausted = true;
          break;
        }
        const scheduledAt = start + fired * intervalMs;
        maxSendLagMs = Math.max(maxSendLagMs, now - scheduledAt);
        fired++;
        pending.push(
          sendDelivery(target, ledger, index).then((ms) => {
            if (ms === null) return;
            latencies[answered] = ms;
            intended[answered] = performance.now() - scheduledAt;
            answered++;
          }),
        );
      }
      if (fired >= total || poolExhausted) resolve();
      else setTimeout(pump, Math.max(0, start + fired * intervalMs - performance.now()));
    };
    pump();
  });
  // Every request has its own timeout; the grace period only bounds a pathological case.
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(pending),
    new Promise((resolve) => {
      grace = setTimeout(resolve, REQUEST_TIMEOUT_MS + DRAIN_GRACE_MS);
    }),
  ]);
  clearTimeout(grace);
  return {
    durationS: (performance.now() - start) / 1000,
    latenciesMs: latencies.slice(0, answered),
    intendedLatenciesMs: intended.slice(0, answered),
    maxSendLagMs,
    poolExhausted,
    errors: 0,
  };
}

/** Closed-loop warm-up (JIT, SQLite page cache, sockets) before a measured phase; bounded by `count`. */
export async function warmUp(target: Target, ledger: DeliveryLedger, count: number, concurrency = 8): Promise<void> {
  let remaining = count;
  const worker = async () => {
    while (remaining > 0) {
      remaining--;
      const index = ledger.next();
      if (index === null) return;
      await sendDelivery(target, ledger, index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
