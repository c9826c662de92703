/**
 * Lynk webhook throughput and latency against the real server in a child process
 * (`npm run bench:webhooks -- --help`). Scenario A: a fixed 200 req/s, paced open-loop and with
 * autocannon's overallRate. Scenario B: saturation with autocannon at several connection counts.
 * Each run gets a fresh server and DATA_DIR; afterwards the server is SIGKILLed and its SQLite file
 * is checked against the 2xx answers. Figures are printed only; docs/BENCHMARKS.md keeps them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runAutocannon } from './autocannon-load.js';
import { cpuShares, takeCpuSnapshot, waitForQuietMachine } from './cpu-usage.js';
import { checkDurability, countUnsentMail } from './durability.js';
import { formatEchoBaseline, measureEchoBaseline, ratioLine } from './echo-baseline.js';
import type { BenchOptions } from './options.js';
import { BENCH_USAGE, parseBenchOptions } from './options.js';
import { keepAliveAgent, runPaced, warmUp } from './paced-load.js';
import type { LedgerCounts, PaymentPool } from './payment-pool.js';
import { buildPaymentPool, DeliveryLedger } from './payment-pool.js';
import type { ScenarioRow } from './report.js';
import { formatRun, formatTable, formatVerdict, machineSummary, summarizeLatencies, TABLE_LEGEND } from './report.js';
import type { ServerRegistry } from './server-process.js';
import { BENCH_MERCHANT_KEY, benchServerEnv, benchServers, startServerProcess } from './server-process.js';

// Percent of one core that other processes may use while the bench is idle before a run starts.
const QUIET_BUSY_PCT = 15;

type Load =
  | { kind: 'paced'; rate: number }
  | { kind: 'autocannon-rate'; rate: number; connections: number }
  | { kind: 'saturation'; connections: number };

interface RunContext {
  options: BenchOptions;
  bin: string;
  pool: PaymentPool;
  registry: ServerRegistry;
  profileDir: string | null;
}

async function measure(ctx: RunContext, sync: 'FULL' | 'NORMAL', load: Load): Promise<ScenarioRow> {
  const { options } = ctx;
  if (options.quietWaitS > 0) {
    const machine = await waitForQuietMachine(options.quietWaitS, QUIET_BUSY_PCT);
    if (!machine.quiet)
      console.warn(
        `  note: the machine is still ${machine.busy.toFixed(0)}% busy after ${options.quietWaitS} s; measuring anyway`,
      );
  }
  const server = await startServerProcess(ctx.registry, {
    bin: ctx.bin,
    env: benchServerEnv({ sync, logLevel: options.logLevel }),
    ...(ctx.profileDir ? { cpuProfDir: ctx.profileDir } : {}),
  });
  const agent = keepAliveAgent();
  try {
    const ledger = new DeliveryLedger(ctx.pool);
    const target = { url: server.url, agent };
    if (options.warmup > 0) await warmUp(target, ledger, options.warmup);
    // Start from a steady state: the warm-up's mails are sent before the measured phase begins.
    if (!(await waitForMailDrained(server.dbFile)))
      console.warn('  note: the warm-up mail backlog did not drain in time');

    const before = ledger.counts();
    const cpuBefore = takeCpuSnapshot(server.pid);
    const result =
      load.kind === 'paced'
        ? await runPaced(target, ledger, { rate: load.rate, durationS: options.durationS })
        : await runAutocannon(server.url, ledger, {
            connections: load.connections,
            durationS: options.durationS,
            ...(load.kind === 'autocannon-rate' ? { overallRate: load.rate } : {}),
          });
    const cpuAfter = takeCpuSnapshot(server.pid);
    const measured = difference(ledger.counts(), before);
    if (result.poolExhausted) console.warn(`  warning: the pool of ${ctx.pool.size} ran out; raise --pool`);

    // A crash is the honest test of "200 means stored"; a CPU profile needs a graceful exit instead.
    if (ctx.profileDir) await server.stop();
    else await server.crash();
    const check = checkDurability(server.dbFile, ledger.counts(), ledger.processedMessageIds());

    const handled = measured.processed + measured.failed + measured.other2xx;
    return {
      sync,
      scenario:
        load.kind === 'paced'
          ? `A ${load.rate}/s paced`
          : load.kind === 'autocannon-rate'
            ? `A ${load.rate}/s autocannon`
            : 'B saturation',
      connections: load.kind === 'paced' ? null : load.connections,
      durationS: result.durationS,
      ok: measured.processed,
      bad: measured.failed + measured.other2xx,
      errors: measured.lost + result.errors,
      rate: measured.processed / result.durationS,
      latency: summarizeLatencies(result.latenciesMs),
      intended:
        'intendedLatenciesMs' in result
          ? { latency: summarizeLatencies(result.intendedLatenciesMs), maxSendLagMs: result.maxSendLagMs }
          : null,
      cpu: cpuShares(cpuBefore, cpuAfter, handled),
      check: check.summary,
      checkOk: check.ok,
    };
  } finally {
    agent.destroy();
    ctx.registry.release(server);
  }
}

const MAIL_DRAIN_TIMEOUT_MS = 60_000;

async function waitForMailDrained(dbFile: string): Promise<boolean> {
  const deadline = performance.now() + MAIL_DRAIN_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (countUnsentMail(dbFile) === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function difference(after: LedgerCounts, before: LedgerCounts): LedgerCounts {
  return {
    sent: after.sent - before.sent,
    processed: after.processed - before.processed,
    other2xx: after.other2xx - before.other2xx,
    failed: after.failed - before.failed,
    lost: after.lost - before.lost,
    unanswered: after.unanswered - before.unanswered,
  };
}

function loadsFor(options: BenchOptions): Load[] {
  const loads: Load[] = [];
  if (options.scenarios.includes('A')) {
    loads.push({ kind: 'paced', rate: options.rate });
    // autocannon's default 10 connections; each sends rate/10 back to back at the top of every second.
    loads.push({ kind: 'autocannon-rate', rate: options.rate, connections: Math.min(10, options.rate) });
  }
  if (options.scenarios.includes('B'))
    for (const connections of options.connections) loads.push({ kind: 'saturation', connections });
  return loads;
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseBenchOptions>;
  try {
    if (process.argv.includes('--help')) {
      console.log(BENCH_USAGE);
      return 0;
    }
    parsed = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    parsed = { ok: false, errors: [error instanceof Error ? error.message : String(error)] };
  }
  if (!parsed.ok) {
    console.error(`${parsed.errors.map((e) => `bench: ${e}`).join('\n')}\n\n${BENCH_USAGE}`);
    return 2;
  }
  const { options } = parsed;
  const { registry, launcher } = benchServers();

  console.log(machineSummary());
  const started = performance.now();
  const pool = buildPaymentPool(options.pool, BENCH_MERCHANT_KEY);
  console.log(`Pre-signed ${pool.size} distinct payments in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const profileDir = options.cpuProf ? mkdtempSync(join(tmpdir(), 'gerbang-bench-prof-')) : null;
  const ctx: RunContext = { options, bin: launcher.bin, pool, registry, profileDir };

  const rows: ScenarioRow[] = [];
  for (let round = 1; round <= options.repeat; round++) {
    for (const sync of options.syncModes) {
      for (const load of loadsFor(options)) {
        const row = await measure(ctx, sync, load);
        rows.push(row);
        console.log(formatRun(row));
      }
    }
  }
  console.log(
    `\nGerbang webhook bench — ${options.durationS} s per phase, warm-up ${options.warmup} requests per server`,
  );
  console.log(formatTable(rows));
  console.log(TABLE_LEGEND);
  console.log(`\n${formatVerdict(rows)}`);
  // The baseline in the same run, at the saturation runs' largest connection count.
  const echo = await measureEchoBaseline({
    connections: Math.max(16, ...options.connections),
    durationS: Math.min(options.durationS, 10),
  });
  console.log(`\n${formatEchoBaseline(echo)}`);
  for (const sync of options.syncModes) {
    const saturation = rows.filter((r) => r.sync === sync && r.scenario === 'B saturation');
    const best = saturation.reduce<ScenarioRow | null>((a, r) => (a && a.rate >= r.rate ? a : r), null);
    if (!best) continue;
    console.log(`  ${sync}: ${ratioLine('webhooks/s ÷ echo req/s (best saturation)', best.rate, echo.perSecond)}`);
    if (best.cpu.serverUsPerRequest !== null && echo.usPerRequest !== null)
      console.log(
        `  ${sync}: ${ratioLine('webhook µs/req ÷ echo µs/req (server CPU, mail included)', best.cpu.serverUsPerRequest, echo.usPerRequest)}`,
      );
  }
  if (profileDir) console.log(`\nCPU profiles of the server children: ${profileDir}`);
  return rows.every((r) => r.checkOk) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
