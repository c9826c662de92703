/**
 * License validation throughput and latency (`npm run bench:licenses -- --help`): the real server
 * in a child process on SQLite holding 100,000 activated licenses, answering
 * POST /api/licenses/validate {key, fingerprint}. Scenario A: a paced 1,000/s (target p99 ≤ 10 ms).
 * Scenario B: saturation with autocannon (target ≥ 5,000 validations/s). Every request is a
 * different license; each counts against the per-IP and per-key limits as in production (the
 * per-IP limit is raised: all load comes from one address). Figures go to docs/BENCHMARKS.md.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuShares, takeCpuSnapshot, waitForQuietMachine } from './cpu-usage.js';
import { formatEchoBaseline, measureEchoBaseline, ratioLine } from './echo-baseline.js';
import type { LoadResult, ValidationPool } from './licenses-load.js';
import { runPacedValidations, runSaturatedValidations } from './licenses-load.js';
import { licenseServerEnv, seedLicenses } from './licenses-seed.js';
import { checkLogLevel, integerFlags } from './options.js';
import { keepAliveAgent } from './paced-load.js';
import { machineSummary, summarizeLatencies } from './report.js';
import type { ServerRegistry } from './server-process.js';
import { benchServers, startServerProcess } from './server-process.js';

const USAGE = `npm run bench:licenses -- [options]
  --licenses <n>        activated licenses in the database (default 100000)
  --duration <s>        seconds per measured phase (default 15)
  --rate <n>            scenario A: validations per second (default 1000)
  --connections <list>  scenario B: autocannon connections, comma-separated (default 16,64)
  --sync <mode>         FULL, NORMAL or both (default FULL, the server's default)
  --scenario <name>     A (paced), B (saturation) or both (default both)
  --warmup <n>          unmeasured validations per server first (default 5000)
  --tokens <on|off>      LICENSE_TOKENS: each valid answer signs a license token (default on)
  --log-level <level>   server LOG_LEVEL (default warn)
  --quiet-wait <s>      before each run, wait up to s seconds for the machine to be idle (default 30)
  --cpu-prof            write a V8 CPU profile of each server child (summarise: bench/cpu-profile-summary.ts)`;

const TARGET_RPS = 5000;
/** License validations per second as a share of the bare Fastify echo's rate, same machine, same run. */
const TARGET_ECHO_SHARE = 0.45;
const TARGET_P99_MS = 10;
const QUIET_BUSY_PCT = 15;

function parse(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      licenses: { type: 'string', default: '100000' },
      duration: { type: 'string', default: '15' },
      rate: { type: 'string', default: '1000' },
      connections: { type: 'string', default: '16,64' },
      sync: { type: 'string', default: 'FULL' },
      scenario: { type: 'string', default: 'both' },
      warmup: { type: 'string', default: '5000' },
      'log-level': { type: 'string', default: 'warn' },
      tokens: { type: 'string', default: 'on' },
      'quiet-wait': { type: 'string', default: '30' },
      help: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
  const errors: string[] = [];
  const int = integerFlags(errors);
  const sync = values.sync.toUpperCase();
  const options = {
    help: values.help,
    licenses: int('licenses', values.licenses, 1000, 2_000_000),
    durationS: int('duration', values.duration, 1, 300),
    rate: int('rate', values.rate, 1, 100_000),
    connections: values.connections.split(',').map((c) => int('connections', c.trim(), 1, 1024)),
    syncModes: (sync === 'BOTH' ? ['FULL', 'NORMAL'] : [sync]) as ('FULL' | 'NORMAL')[],
    scenarios: values.scenario.toUpperCase() === 'BOTH' ? ['A', 'B'] : [values.scenario.toUpperCase()],
    warmup: int('warmup', values.warmup, 0, 1_000_000),
    logLevel: values['log-level'],
    tokens: values.tokens === 'on',
    quietWaitS: int('quiet-wait', values['quiet-wait'], 0, 3600),
    profileDir: values['cpu-prof'] ? mkdtempSync(join(tmpdir(), 'gerbang-bench-prof-')) : null,
  };
  if (!options.syncModes.every((m) => m === 'FULL' || m === 'NORMAL'))
    errors.push('--sync must be FULL, NORMAL or both');
  if (!options.scenarios.every((x) => x === 'A' || x === 'B')) errors.push('--scenario must be A, B or both');
  checkLogLevel(options.logLevel, errors);
  if (values.tokens !== 'on' && values.tokens !== 'off') errors.push('--tokens must be on or off');
  return { options, errors };
}

type Options = ReturnType<typeof parse>['options'];

const fixed = (n: number) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toFixed(2)) : '-');
const pct = (n: number | null) => (n === null ? '?' : `${n.toFixed(0)}%`);

async function measure(
  options: Options,
  bin: string,
  registry: ServerRegistry,
  sync: 'FULL' | 'NORMAL',
  load: { kind: 'paced' } | { kind: 'saturation'; connections: number },
): Promise<{ line: string; rate: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gerbang-bench-licenses-'));
  const seeded = await seedLicenses(dataDir, options.licenses);
  const pool: ValidationPool = {
    bodies: seeded.licenses.map((l) => JSON.stringify({ key: l.key, fingerprint: l.fingerprint })),
    next: 0,
    expectTokens: options.tokens,
  };
  // Every run walks the licenses in a fresh random order (Fisher–Yates).
  for (let i = pool.bodies.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [pool.bodies[i], pool.bodies[j]] = [pool.bodies[j] ?? '', pool.bodies[i] ?? ''];
  }
  if (options.quietWaitS > 0) {
    const machine = await waitForQuietMachine(options.quietWaitS, QUIET_BUSY_PCT);
    if (!machine.quiet) console.warn(`  note: the machine is ${machine.busy.toFixed(0)}% busy; measuring anyway`);
  }
  const server = await startServerProcess(registry, {
    bin,
    dataDir,
    env: licenseServerEnv({ sync, logLevel: options.logLevel, tokens: options.tokens }),
    ...(options.profileDir ? { cpuProfDir: options.profileDir } : {}),
  });
  const agent = keepAliveAgent();
  try {
    if (options.warmup > 0)
      await runSaturatedValidations(server.url, pool, {
        connections: 8,
        durationS: Math.max(1, Math.ceil(options.warmup / 3000)),
      });
    const before = takeCpuSnapshot(server.pid);
    const result: LoadResult =
      load.kind === 'paced'
        ? await runPacedValidations(server.url, agent, pool, { rate: options.rate, durationS: options.durationS })
        : await runSaturatedValidations(server.url, pool, {
            connections: load.connections,
            durationS: options.durationS,
          });
    const cpu = cpuShares(before, takeCpuSnapshot(server.pid), result.ok + result.bad);
    const latency = summarizeLatencies(result.latenciesMs);
    const rate = result.ok / result.durationS;
    const mode = options.tokens ? 'tokens on' : 'tokens off';
    const name =
      load.kind === 'paced' ? `A ${options.rate}/s paced, ${mode}` : `B saturation c=${load.connections}, ${mode}`;
    const intended = result.intendedLatenciesMs ? summarizeLatencies(result.intendedLatenciesMs) : null;
    // A CPU profile is written only on a graceful exit.
    if (options.profileDir) await server.stop();
    const line =
      `| ${sync} | ${name} | ${rate.toFixed(0)} | ${result.bad} | ${result.errors} | ${fixed(latency.p50)} | **${fixed(latency.p99)}** | ${fixed(latency.max)} | ` +
      `${intended ? fixed(intended.p99) : '-'} | ${pct(cpu.serverPct)} | ${pct(cpu.eventLoopPct)} | ${cpu.serverUsPerRequest?.toFixed(0) ?? '?'} | ${pct(cpu.clientPct)} | ${pct(cpu.otherPct)} |` +
      ` (seeded ${options.licenses} in ${seeded.seconds.toFixed(1)} s)`;
    return { line, rate };
  } finally {
    agent.destroy();
    registry.release(server);
  }
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.options.help) {
    console.log(USAGE);
    return 0;
  }
  if (parsed.errors.length > 0) {
    console.error(`${parsed.errors.map((e) => `bench: ${e}`).join('\n')}\n\n${USAGE}`);
    return 2;
  }
  const { options } = parsed;
  const { registry, launcher } = benchServers();
  console.log(machineSummary());
  console.log(
    '| sync | scenario | valid/s | bad | errors | p50 ms | p99 ms | max ms | p99 from intended ms | server CPU | loop CPU | µs/req | client CPU | other CPU |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const ratios: string[] = [];
  for (const sync of options.syncModes) {
    if (options.scenarios.includes('A'))
      console.log((await measure(options, launcher.bin, registry, sync, { kind: 'paced' })).line);
    if (options.scenarios.includes('B'))
      for (const connections of options.connections) {
        const run = await measure(options, launcher.bin, registry, sync, { kind: 'saturation', connections });
        console.log(run.line);
        // The baseline right after, at the same concurrency, under the same machine load.
        const echo = await measureEchoBaseline({ connections, durationS: Math.min(options.durationS, 10) });
        ratios.push(
          `${sync} c=${connections}: ${formatEchoBaseline(echo)}`,
          `  ${ratioLine('license validations/s ÷ echo req/s', run.rate, echo.perSecond, { ratio: TARGET_ECHO_SHARE, higherIsBetter: true })}`,
        );
      }
  }
  if (ratios.length > 0) console.log(`\n${ratios.join('\n')}`);
  console.log(
    `Targets: ≥ ${TARGET_RPS} validations/s at saturation; ≥ ${100 * TARGET_ECHO_SHARE} % of the echo baseline's rate; p99 ≤ ${TARGET_P99_MS} ms at ${options.rate}/s paced.`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
