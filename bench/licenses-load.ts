import type { Agent } from 'node:http';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/**
 * Load for POST /api/licenses/validate from a pre-built list of bodies (each a real key with its
 * device's fingerprint), taken in order and never repeated within a run. An answer counts as ok
 * only when it is 200 and says `"valid":true` (with a signed license token when tokens are on);
 * anything else (a 429, a wrong verdict, a missing token) is bad.
 */
export interface ValidationPool {
  bodies: string[];
  next: number;
  /** LICENSE_TOKENS is on: a valid answer must carry a token, or the signing cost went unmeasured. */
  expectTokens: boolean;
}

export interface LoadResult {
  durationS: number;
  latenciesMs: Float64Array;
  ok: number;
  bad: number;
  errors: number;
  /** Paced only: latency from the intended send time (no coordinated omission). */
  intendedLatenciesMs?: Float64Array;
  maxSendLagMs?: number;
}

const PATH = '/api/licenses/validate';
const TIMEOUT_MS = 10_000;
const isValid = (status: number, body: string, expectTokens: boolean) =>
  status === 200 && body.includes('"valid":true') && (!expectTokens || body.includes('"token":"ey'));

function takeBody(pool: ValidationPool): string {
  const body = pool.bodies[pool.next % pool.bodies.length] ?? '';
  pool.next++;
  return body;
}

function sendValidation(
  url: string,
  agent: Agent,
  body: string,
  expectTokens: boolean,
): Promise<{ ms: number; ok: boolean } | null> {
  return new Promise((resolve) => {
    const sentAt = performance.now();
    const req = request(`${url}${PATH}`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      timeout: TIMEOUT_MS,
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({ ms: performance.now() - sentAt, ok: isValid(res.statusCode ?? 0, text, expectTokens) }),
      );
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
    req.end(body);
  });
}

/** Open loop: request i leaves at start + i/rate whatever happened to earlier ones. */
export async function runPacedValidations(
  url: string,
  agent: Agent,
  pool: ValidationPool,
  options: { rate: number; durationS: number },
): Promise<LoadResult> {
  const total = Math.round(options.rate * options.durationS);
  const interval = 1000 / options.rate;
  const latencies = new Float64Array(total);
  const intended = new Float64Array(total);
  let answered = 0;
  let ok = 0;
  let bad = 0;
  let errors = 0;
  let fired = 0;
  let maxSendLagMs = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now();
      while (fired < total && start + fired * interval <= now) {
        const scheduledAt = start + fired * interval;
        maxSendLagMs = Math.max(maxSendLagMs, now - scheduledAt);
        fired++;
        pending.push(
          sendValidation(url, agent, takeBody(pool), pool.expectTokens).then((answer) => {
            if (!answer) {
              errors++;
              return;
            }
            if (answer.ok) ok++;
            else bad++;
            latencies[answered] = answer.ms;
            intended[answered] = performance.now() - scheduledAt;
            answered++;
          }),
        );
      }
      if (fired >= total) resolve();
      else setTimeout(pump, Math.max(0, start + fired * interval - performance.now()));
    };
    pump();
  });
  await Promise.all(pending);
  return {
    durationS: (performance.now() - start) / 1000,
    latenciesMs: latencies.slice(0, answered),
    intendedLatenciesMs: intended.slice(0, answered),
    maxSendLagMs,
    ok,
    bad,
    errors,
  };
}

/** Closed loop at saturation: `connections` keep-alive connections, each sending as fast as answered. */
export async function runSaturatedValidations(
  url: string,
  pool: ValidationPool,
  options: { connections: number; durationS: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let bad = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.durationS,
        pipelining: 1,
        timeout: TIMEOUT_MS / 1000,
        requests: [
          {
            method: 'POST',
            path: PATH,
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: takeBody(pool) }),
            onResponse: (status, body) => {
              if (isValid(status, body, pool.expectTokens)) ok++;
              else bad++;
            },
          },
        ],
      },
      (error: unknown, done: autocannon.Result) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
  return {
    durationS: result.duration,
    latenciesMs: Float64Array.from(latencies),
    ok,
    bad,
    errors: result.errors + result.timeouts,
  };
}
