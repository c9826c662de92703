/**
 * Realtime streams at scale against the real server in a child process
 * (`npm run bench:realtime -- --help`): N members signed in on device "A" each hold an SSE stream;
 * the bench counts database queries while they idle, the server memory they cost, then signs in
 * as takeovers from device "B" and times each `session.revoked` push to the old stream. Every
 * takeover must reach its own stream exactly once and no other. Figures are printed and written
 * as JSON (to $TMPDIR: bench/results is not git-ignored); docs/BENCHMARKS.md keeps them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { authCookies } from '../src/auth/index.js';
import { loadConfig } from '../src/config/index.js';
import { openFileLimit } from '../src/realtime/index.js';
import { cpuShares, takeCpuSnapshot, waitForQuietMachine } from './cpu-usage.js';
import { measureEchoBaseline } from './echo-baseline.js';
import { measureIdle, sampleMemory } from './realtime-idle.js';
import type { SignedInMember } from './realtime-members.js';
import { createBenchSchema, DEVICE_A_USER_AGENT, seedSignedInMembers } from './realtime-members.js';
import { readClusterMetrics, threadCount, waitForStreamCount } from './realtime-metrics.js';
import { NotifyWatch } from './realtime-notify-watch.js';
import type { RealtimeOptions } from './realtime-options.js';
import { parseRealtimeOptions, REALTIME_USAGE } from './realtime-options.js';
import { probeResponsiveness } from './realtime-probe.js';
import type { RealtimeRun, TakeoverFigures } from './realtime-report.js';
import { formatRealtimeRun, realtimeTargets } from './realtime-report.js';
import { runLimited, StreamFleet } from './realtime-streams.js';
import { checkDeliveries, runTakeovers } from './realtime-takeovers.js';
import type { ServerProcess } from './server-process.js';
import {
  benchServerEnv,
  ServerRegistry,
  snapshotLauncher,
  startServerProcess,
  writeHeapSnapshot,
} from './server-process.js';

const METRICS_TOKEN = 'bench-metrics-token-0123456789';
// Percent of one core other processes may use before the run starts (as bench:webhooks).
const QUIET_BUSY_PCT = 15;
/** Node's loop-delay histogram records whole timer intervals: the lateness is beyond this. */
const LOOP_DELAY_RESOLUTION_MS = 10;
/** Every open needs the server's two session checks; give the last ones time to register. */
const STREAM_COUNT_TIMEOUT_MS = 30_000;

function serverEnvironment(options: RealtimeOptions, databaseUrl: string | null) {
  return {
    ...benchServerEnv(options),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    METRICS_TOKEN,
    REALTIME_HEARTBEAT_SECONDS: String(options.heartbeatS),
    // Every takeover comes from 127.0.0.1: the per-IP limit must not count them out (100,000 is
    // the schema's maximum); failures per account stay possible but none are expected.
    LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
    // Every stream comes from this one client process (127.0.0.x): the per-address caps would stop
    // it at 100; the descriptor ceiling (REALTIME_FD_HEADROOM) is what the bench runs against.
    MAX_CONNECTIONS_PER_IP: '100000',
    REALTIME_MAX_STREAMS_PER_IP: '100000',
    SESSION_IDLE_TIMEOUT_HOURS: String(24 * 30), // 30 days: seeded sessions never idle out mid-run
    // UV_THREADPOOL_SIZE stays unset (4): argon2 is the only pool work, and 2 cores run it.
  };
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '?';
  } catch {
    return '?';
  }
}

async function waitForQuiet(options: RealtimeOptions): Promise<void> {
  if (options.quietWaitS === 0) return;
  const quiet = await waitForQuietMachine(options.quietWaitS, QUIET_BUSY_PCT);
  if (!quiet.quiet) console.warn(`  note: the machine is still ${quiet.busy.toFixed(0)}% busy; measuring anyway`);
}

async function openStreams(
  servers: readonly ServerProcess[],
  fleet: StreamFleet,
  members: readonly SignedInMember[],
  limit: number,
) {
  const started = performance.now();
  const failures: string[] = [];
  await runLimited(members.length, limit, async (index) => {
    const member = members[index];
    if (member) await fleet.open(index, member).catch((error: unknown) => void failures.push(String(error)));
  });
  const seconds = (performance.now() - started) / 1000;
  if (failures.length > 0)
    throw new Error(
      `${failures.length} of ${members.length} streams did not open (${fleet.size} did) in ${seconds.toFixed(1)} s; ` +
        `first errors:\n${failures.slice(0, 5).join('\n')}`,
    );
  const urls = servers.map((s) => s.url);
  const serverStreams = await waitForStreamCount(urls, METRICS_TOKEN, members.length, STREAM_COUNT_TIMEOUT_MS);
  return {
    streams: fleet.size,
    seconds,
    perSecond: fleet.size / seconds,
    serverStreams,
    serverThreads: servers[0] ? threadCount(servers[0].pid) : null,
  };
}

/** Stream `index` is held by instance index mod n; its takeover logs in on the next instance. */
function instanceOf(index: number, count: number): number {
  return index % count;
}

async function measure(
  options: RealtimeOptions,
  servers: readonly ServerProcess[],
  fleet: StreamFleet,
  members: readonly SignedInMember[],
  heapDir: string | null,
  schema: { url: string; schema: string } | null,
) {
  const server = servers[0];
  if (!server) throw new Error('no server');
  const urls = servers.map((s) => s.url);
  const readMetrics = () => readClusterMetrics(urls, METRICS_TOKEN);
  const idleWithoutStreams = await measureIdle(servers, fleet, options.idleS, readMetrics);
  const before = await sampleMemory(readMetrics);
  const heapBefore = heapDir ? await writeHeapSnapshot(server, heapDir) : null;
  console.log(
    `  idle without streams: ${idleWithoutStreams.queriesPerSecond.toFixed(2)} queries/s; opening ${members.length} streams…`,
  );
  const open = await openStreams(servers, fleet, members, options.openConcurrency);
  console.log(
    `  ${open.streams} streams open in ${open.seconds.toFixed(1)} s (server: ${open.serverStreams}); idling ${options.idleS} s…`,
  );
  const idleWithStreams = await measureIdle(servers, fleet, options.idleS, readMetrics);
  const after = await sampleMemory(readMetrics);
  if (heapDir) {
    const file = await writeHeapSnapshot(server, heapDir);
    console.log(
      `  heap snapshots: what one stream costs: node --import tsx bench/heap-snapshot-summary.ts ${file} ${Math.ceil(members.length / servers.length)} ${heapBefore}`,
    );
  }
  console.log(
    `  idle with streams: ${idleWithStreams.queriesPerSecond.toFixed(2)} queries/s; probing /healthz across heartbeat ticks…`,
  );
  // At least two heartbeat ticks fall in the probe.
  const responsiveness = await probeResponsiveness(server.url, 2 * options.heartbeatS + 1, () => fleet.bursts);
  // Other engineers' test runs share the two cores: the measured phase waits for them too.
  await waitForQuiet(options);
  console.log(`  ${options.takeovers} takeovers…`);

  const metricsBefore = await readMetrics();
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();
  const eluBefore = performance.eventLoopUtilization();
  const cpuBefore = takeCpuSnapshot(server.pid);
  const loginUrl = (member: number) => urls[(instanceOf(member, urls.length) + 1) % urls.length] ?? server.url;
  const watch = schema ? await NotifyWatch.start(schema.url, schema.schema) : null;
  const phase = await runTakeovers(loginUrl, fleet, members, options);
  const cpuAfter = takeCpuSnapshot(server.pid);
  const elu = performance.eventLoopUtilization(eluBefore);
  loopDelay.disable();
  const check = await checkDeliveries(server.url, fleet, members, phase, {
    deliveredBefore: metricsBefore.delivered,
    metrics: readMetrics,
    ...(watch ? { notified: watch.arrivals } : {}),
  });
  await watch?.stop();
  const takeovers: TakeoverFigures = {
    ...phase.figures,
    check: check.check,
    ...check.latencies,
    cpu: cpuShares(cpuBefore, cpuAfter, options.takeovers),
    clientLoop: {
      utilization: elu.utilization,
      delayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS),
      delayMaxMs: Math.max(0, loopDelay.max / 1e6 - LOOP_DELAY_RESOLUTION_MS),
    },
  };
  const n = members.length;
  return {
    open,
    idleWithoutStreams,
    idleWithStreams,
    responsiveness,
    memory: {
      before,
      after,
      rssPerStreamBytes: (after.rssBytes - before.rssBytes) / n,
      heapPerStreamBytes: (after.heapUsedBytes - before.heapUsedBytes) / n,
    },
    takeovers,
    streamsMax: (await readMetrics()).streamsMax,
  };
}

async function main(): Promise<number> {
  if (process.argv.includes('--help')) {
    console.log(REALTIME_USAGE);
    return 0;
  }
  const startedAt = new Date();
  const parsed = parseRealtimeOptions(process.argv.slice(2), startedAt);
  if (!parsed.ok) {
    console.error(`${parsed.errors.map((e) => `bench: ${e}`).join('\n')}\n\n${REALTIME_USAGE}`);
    return 2;
  }
  const { options } = parsed;
  const fileLimit = openFileLimit();
  // The server holds one descriptor per stream, and so does this process (plus files, logins, pools).
  if (fileLimit !== null && fileLimit < options.streams + 256) {
    console.error(
      `bench: ulimit -n is ${fileLimit}; ${options.streams} streams need ${options.streams + 256} (raise it: ulimit -n ${options.streams + 1024})`,
    );
    return 2;
  }

  const registry = new ServerRegistry();
  const launcher = snapshotLauncher();
  const dataDir = mkdtempSync(join(tmpdir(), 'gerbang-bench-rt-'));
  const schema = options.db === 'postgres' ? await createBenchSchema(options.pgUrl) : null;
  let fleet: StreamFleet | null = null;
  // Children, temp dirs and the bundle copy go on every exit path; the PostgreSQL schema needs a
  // connection, so an interrupted run drops it before exiting.
  const cleanUp = () => {
    fleet?.closeAll();
    registry.disposeAll();
    launcher.dispose();
    // Normally the server's dispose() deletes it; not when the run failed before the start.
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      cleanUp();
      const exit = () => process.exit(130);
      (schema ? schema.drop() : Promise.resolve()).then(exit, exit);
    });

  try {
    const machine = {
      nproc: availableParallelism(),
      cpuModel: cpuModel(),
      memoryGiB: totalmem() / 2 ** 30,
      node: process.version,
      openFileLimit: fileLimit,
    };
    console.log(
      `Machine: nproc ${machine.nproc}, ${machine.cpuModel}, Node ${machine.node}, ulimit -n ${fileLimit ?? '?'}`,
    );
    await waitForQuiet(options);
    const env = serverEnvironment(options, schema?.url ?? null);
    // The server gets the same DATA_DIR from startServerProcess: seed exactly the database it opens.
    const loaded = loadConfig({ ...env, DATA_DIR: dataDir }, dataDir);
    if (!loaded.ok) throw new Error(`bench server config invalid: ${loaded.errors.join('; ')}`);
    const seed = await seedSignedInMembers(loaded.config, options.streams);
    console.log(`Seeded ${seed.members.length} signed-in members (${options.db}) in ${seed.seconds.toFixed(1)} s`);

    const profileDir = options.cpuProf ? mkdtempSync(join(tmpdir(), 'gerbang-bench-prof-')) : null;
    const heapDir = options.heapSnapshot ? mkdtempSync(join(tmpdir(), 'gerbang-bench-heap-')) : null;
    const servers: ServerProcess[] = [];
    for (let i = 0; i < options.instances; i++)
      servers.push(
        await startServerProcess(registry, {
          bin: launcher.bin,
          // Instance 1 opens the seeded DATA_DIR (SQLite lives there); the others need none of it.
          ...(i === 0 ? { dataDir } : {}),
          env,
          ...(profileDir && i === 0 ? { cpuProfDir: profileDir } : {}),
          ...(heapDir && i === 0 ? { heapSnapshotDir: heapDir } : {}),
        }),
      );
    const [server] = servers;
    if (!server) throw new Error('no server started');
    const address = new URL(server.url);
    const ports = servers.map((s) => Number(new URL(s.url).port));
    const cookieNames = authCookies(server.url);
    fleet = new StreamFleet({
      host: address.hostname,
      port: Number(address.port),
      portFor: (index) => ports[instanceOf(index, ports.length)] ?? Number(address.port),
      cookieNames: { session: cookieNames.session, device: cookieNames.device },
      userAgent: DEVICE_A_USER_AGENT,
    });
    const figures = await measure(options, servers, fleet, seed.members, heapDir, schema);
    fleet.closeAll();
    for (const instance of servers) {
      await instance.stop();
      registry.release(instance);
    }

    // The baseline in the same run, with the servers stopped (the same machine, its load now).
    const echo = await measureEchoBaseline({ connections: 16, durationS: 5 });
    const partial = {
      startedAt: startedAt.toISOString(),
      machine,
      settings: {
        db: options.db,
        instances: options.instances,
        sqliteSynchronous: options.db === 'sqlite' ? options.sync : null,
        streams: options.streams,
        heartbeatS: options.heartbeatS,
        uvThreadpoolSize: 'unset (4)',
      },
      seed: { members: seed.members.length, seconds: seed.seconds },
      ...figures,
      limits: { fdLimit: fileLimit, serverStreamsMax: figures.streamsMax, largestStreams: figures.open.serverStreams },
      echo,
    };
    const targets = realtimeTargets(partial);
    const run: RealtimeRun = { ...partial, targets, targetMet: targets.every((t) => t.pass) };
    console.log(formatRealtimeRun(run));
    writeFileSync(options.jsonFile, `${JSON.stringify(run, null, 2)}\n`);
    console.log(`\nRaw figures: ${options.jsonFile}`);
    if (profileDir)
      console.log(
        `CPU profile of the server: ${profileDir} (summary: node --import tsx bench/cpu-profile-summary.ts <file>)`,
      );
    return figures.takeovers.check.ok ? 0 : 1;
  } finally {
    await schema?.drop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    // Open sockets of a failed run would keep the process alive; exit runs the clean-up.
    process.exit(1);
  },
);
