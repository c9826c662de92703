import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { cpuShares, takeCpuSnapshot } from './cpu-usage.js';
import { summarizeLatencies } from './report.js';

/**
 * The bare Fastify JSON echo (bench/echo-server.ts) measured in the same run as a bench, on the same
 * machine under the same load: each bench prints its figures also as a ratio of this one, which
 * says how close Gerbang comes to what Node and Fastify alone can do here.
 */
export interface EchoBaseline {
  connections: number;
  durationS: number;
  /** Answers per second at saturation. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU (all threads) per answer, µs, and its share of a core. */
  usPerRequest: number | null;
  serverPct: number | null;
  otherPct: number | null;
  non2xx: number;
  /** One request at a time over a kept-alive connection: the loopback round trip, ms (float). */
  roundTrip: { p50: number; p99: number; max: number };
}

export interface EchoOptions {
  connections?: number;
  durationS?: number;
  /** The JSON sent (a bench passes a body of the size of its own requests). */
  body?: string;
}

const SERVER = fileURLToPath(new URL('./echo-server.ts', import.meta.url));
const DEFAULT_BODY = JSON.stringify({ key: 'KEI-ABCD-EFGH-JKLM-NPQR', fingerprint: 'f'.repeat(64) });
const WARMUP_S = 1;
const ROUND_TRIPS = 1000;

/** Sequential requests, timed with performance.now (autocannon's histogram keeps whole ms). */
async function roundTrips(url: string, body: string, count: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times = new Float64Array(count);
  try {
    for (let i = 0; i < count; i++) {
      const sent = performance.now();
      await new Promise<void>((resolve, reject) => {
        const req = request(`${url}/echo`, {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        req.end(body);
      });
      times[i] = performance.now() - sent;
    }
  } finally {
    agent.destroy();
  }
  return summarizeLatencies(times);
}

async function cannon(url: string, connections: number, durationS: number, body: string) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url: `${url}/echo`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections,
        duration: durationS,
        pipelining: 1,
      },
      (error: unknown, result: autocannon.Result) => (error ? reject(error) : resolve(result)),
    );
  });
}

export async function measureEchoBaseline(options: EchoOptions = {}): Promise<EchoBaseline> {
  const connections = options.connections ?? 16;
  const durationS = options.durationS ?? 5;
  const body = options.body ?? DEFAULT_BODY;
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
  });
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const match = /echo listening (http:\/\/\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`echo server exited (${code}) before listening`)));
    });
    await cannon(url, connections, WARMUP_S, body);
    const before = takeCpuSnapshot(child.pid ?? -1);
    const result = await cannon(url, connections, durationS, body);
    const answered = result.requests.total;
    const cpu = cpuShares(before, takeCpuSnapshot(child.pid ?? -1), answered);
    const roundTrip = await roundTrips(url, body, ROUND_TRIPS);
    return {
      connections,
      durationS,
      perSecond: answered / result.duration,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      usPerRequest: cpu.serverUsPerRequest,
      serverPct: cpu.serverPct,
      otherPct: cpu.otherPct,
      non2xx: result.non2xx,
      roundTrip,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
}

const fixed = (n: number | null, digits = 0) => (n === null || !Number.isFinite(n) ? '?' : n.toFixed(digits));

export function formatEchoBaseline(echo: EchoBaseline): string {
  return (
    `Baseline (bare Fastify JSON echo, same machine, this run): ${fixed(echo.perSecond)} req/s at ${echo.connections} connections ` +
    `over ${echo.durationS} s, p50 ${fixed(echo.p50Ms, 1)} / p99 ${fixed(echo.p99Ms, 1)} ms, ${fixed(echo.usPerRequest)} µs of server CPU per request ` +
    `(server ${fixed(echo.serverPct)}%, other ${fixed(echo.otherPct)}% of a core); one at a time: round trip ` +
    `p50 ${fixed(echo.roundTrip.p50, 2)} / p99 ${fixed(echo.roundTrip.p99, 2)} ms`
  );
}

/**
 * One ratio against the baseline, with its target and verdict when it has one. `higherIsBetter`:
 * a throughput share must reach the target; a cost multiple must stay under it.
 */
export function ratioLine(
  label: string,
  value: number,
  baseline: number,
  target?: { ratio: number; higherIsBetter: boolean },
): string {
  const ratio = value / baseline;
  const shown = target?.higherIsBetter ? `${(100 * ratio).toFixed(1)} %` : `${ratio.toFixed(2)}×`;
  if (!target) return `${label}: ${shown}`;
  const met = target.higherIsBetter ? ratio >= target.ratio : ratio <= target.ratio;
  const goal = target.higherIsBetter ? `≥ ${(100 * target.ratio).toFixed(0)} %` : `≤ ${target.ratio}×`;
  return `${label}: ${shown} (target ${goal}: ${met ? 'PASS' : 'FAIL'})`;
}
