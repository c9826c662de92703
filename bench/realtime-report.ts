import type { CpuShares } from './cpu-usage.js';
import type { EchoBaseline } from './echo-baseline.js';
import { formatEchoBaseline, ratioLine } from './echo-baseline.js';
import type { ProbeResult } from './realtime-probe.js';
import { NOISY_OTHER_PCT } from './report.js';

/** The figures of one realtime bench run: printed, and written whole as JSON. */

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles over every value (as summarizeLatencies in report.ts, plus p90). */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}

export interface IdleWindow {
  streams: number;
  seconds: number;
  queries: number;
  queriesPerSecond: number;
  /** Runs of the mail worker's safety-net poll that fell due in the window, and their statements. */
  mailPollIntervalS: number;
  mailPolls: number;
  mailPollStatements: number;
  /** Heartbeat comments the streams received in the window, and the timer ticks they came in. */
  heartbeats: number;
  heartbeatTicks: number;
  /** First to last ping arrival per tick: how long one tick's writes to every stream took, end to end. */
  tickSpreadMs: Percentiles;
  cpu: CpuShares;
}

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
}

/** The latencies of a takeover run, in ms. */
export interface TakeoverLatencies {
  /** Event received − the event's `at` (server clock at the start of the takeover transaction). */
  delivery: Percentiles;
  /** Event received − login POST sent. */
  endToEnd: Percentiles;
  /** Login answer received − login POST sent. */
  loginAnswer: Percentiles;
  /** Delivery split by whether a heartbeat tick was written while the push was in flight (`at` to arrival). */
  deliveryDuringHeartbeat: Percentiles;
  deliveryOtherwise: Percentiles;
  /**
   * Event received − login answer received. The server publishes right after the commit and then
   * answers, so near zero means the push itself adds nothing: `delivery` is the transaction.
   */
  eventAfterAnswer: Percentiles;
  /** PostgreSQL: event `at` → its NOTIFY seen by a bystander listener (the transaction, commit, NOTIFY). */
  toNotify: Percentiles;
  /**
   * PostgreSQL: the commit's NOTIFY at a bystander → the event on its stream (the receiving
   * instance's work, the write, the read): the realtime delivery proper across instances.
   */
  fromNotify: Percentiles;
}

export interface TakeoverFigures extends TakeoverLatencies {
  count: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  failed: number;
  failures: string[];
  check: DeliveryCheck;
  cpu: CpuShares;
  clientLoop: { utilization: number; delayP99Ms: number; delayMaxMs: number };
}

export interface DeliveryCheck {
  ok: boolean;
  eventsReceived: number;
  /** Targets whose stream got exactly one session.revoked with reason takeover. */
  deliveredOnce: number;
  missing: number;
  duplicates: number;
  /** Events on streams of members nobody took over. */
  strays: number;
  wrongReason: number;
  /** gerbang_realtime_events_delivered_total moved by this much during the phase. */
  serverDelivered: number;
  /** Old sessions sampled after the phase that still worked (must be 0), and untouched ones that did not. */
  oldSessionsStillLive: number;
  untouchedSessionsDead: number;
  sampled: number;
  streamsLost: number;
  serverStreamsAfter: number;
  summary: string;
}

export interface RealtimeRun {
  startedAt: string;
  machine: { nproc: number; cpuModel: string; memoryGiB: number; node: string; openFileLimit: number | null };
  settings: {
    db: 'sqlite' | 'postgres';
    /** Server processes on the database; above 1, every delivery crosses instances. */
    instances: number;
    sqliteSynchronous: 'FULL' | 'NORMAL' | null;
    streams: number;
    heartbeatS: number;
    uvThreadpoolSize: string;
  };
  seed: { members: number; seconds: number };
  open: { streams: number; seconds: number; perSecond: number; serverStreams: number; serverThreads: number | null };
  idleWithoutStreams: IdleWindow;
  idleWithStreams: IdleWindow;
  /** GET /healthz answer times with the streams open: how long heartbeat ticks hold the event loop. */
  responsiveness: ProbeResult;
  memory: {
    before: MemorySample;
    after: MemorySample;
    rssPerStreamBytes: number;
    heapPerStreamBytes: number;
  };
  takeovers: TakeoverFigures;
  /** The descriptor ceiling: this process's ulimit -n, the servers' stream ceiling, the most streams held. */
  limits: { fdLimit: number | null; serverStreamsMax: number | null; largestStreams: number };
  echo: EchoBaseline;
  targets: TargetVerdict[];
  targetMet: boolean;
}

export interface TargetVerdict {
  name: string;
  value: string;
  target: string;
  pass: boolean;
}

/** The stream count the memory target is set at (one instance, this machine's descriptor ceiling). */
const MEMORY_TARGET_STREAMS = 19_500;

/** The targets of docs/BENCHMARKS.md for this run's shape, each with its verdict. */
export function realtimeTargets(run: Omit<RealtimeRun, 'targets' | 'targetMet'>): TargetVerdict[] {
  const t = run.takeovers;
  const out: TargetVerdict[] = [];
  const add = (name: string, value: number, target: number, unit: string, pass = value <= target) =>
    out.push({ name, value: `${ms(value)}${unit}`, target: `≤ ${target}${unit}`, pass });
  add('delivery p99 (takeover start → on the stream)', t.delivery.p99, 50, ' ms');
  if (run.settings.instances > 1) {
    // Across instances the event exists for the others when its transaction commits (PostgreSQL
    // sends the NOTIFY then): from there on the time is the realtime path's own.
    const committed = t.fromNotify;
    add('delivery p50 (committed → on the stream, across instances)', committed.p50, 5, ' ms');
    add('delivery p99 (committed → on the stream, across instances)', committed.p99, 50, ' ms');
    add('delivery max (committed → on the stream, across instances)', committed.max, 150, ' ms');
  }
  const idle = run.idleWithStreams;
  add("idle queries with streams (besides the workers' 60 s polls)", idle.queries - idle.mailPollStatements, 0, '');
  const during = t.deliveryDuringHeartbeat;
  const other = t.deliveryOtherwise;
  if (during.count > 0 && other.count > 0)
    add('delivery p99 overlapping a heartbeat ÷ the others', during.p99 / other.p99, 2, '×');
  const probe = run.responsiveness;
  if (probe.duringTick.count > 0 && probe.otherwise.count > 0)
    add('GET /healthz p99 overlapping a heartbeat ÷ the others', probe.duringTick.p99 / probe.otherwise.p99, 2, '×');
  // The memory target is one instance's at the descriptor ceiling (`--streams 19500`): with fewer
  // streams, or several servers' fixed memory shared among them, the figure is printed, not judged.
  if (run.settings.instances === 1 && run.settings.streams >= MEMORY_TARGET_STREAMS)
    add('RSS per stream', run.memory.rssPerStreamBytes / 1024, 8, ' KiB');
  out.push({
    name: 'every takeover once, on its own stream',
    value: t.check.ok ? 'yes' : 'no',
    target: 'yes',
    pass: t.check.ok,
  });
  return out;
}

const ms = (n: number) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toFixed(1)) : '-');
const pct = (n: number | null) => (n === null ? '?' : `${n.toFixed(0)}%`);
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

function row(label: string, p: Percentiles): string {
  return `  ${label.padEnd(34)} p50 ${ms(p.p50).padStart(6)}  p90 ${ms(p.p90).padStart(6)}  p99 ${ms(p.p99).padStart(6)}  max ${ms(p.max).padStart(6)} ms  (n=${p.count})`;
}

function idleLine(label: string, w: IdleWindow): string {
  return (
    `  ${label}: ${w.queries} queries in ${w.seconds.toFixed(1)} s = ${w.queriesPerSecond.toFixed(2)}/s ` +
    `(the mail and outbound-webhook workers' ${w.mailPollIntervalS} s safety-net polls: ${w.mailPolls} run${w.mailPolls === 1 ? '' : 's'} due = ${w.mailPollStatements} statements; ` +
    `other ${w.queries - w.mailPollStatements}); server CPU ${pct(w.cpu.serverPct)} (event loop ${pct(w.cpu.eventLoopPct)}), bench ${pct(w.cpu.clientPct)}` +
    (w.streams > 0
      ? `\n    ${w.heartbeats} heartbeats in ${w.heartbeatTicks} ticks (a tick: the pings of one wake of the server's ` +
        `heartbeat timer, spread over the interval); one tick took p50 ${ms(w.tickSpreadMs.p50)} / max ${ms(w.tickSpreadMs.max)} ms first-to-last ping`
      : '')
  );
}

export function formatRealtimeRun(run: RealtimeRun): string {
  const { machine, settings, open, memory, takeovers: t } = run;
  const db = settings.db === 'sqlite' ? `SQLite (synchronous=${settings.sqliteSynchronous})` : 'PostgreSQL';
  const lines = [
    '',
    `Gerbang realtime bench — ${db}, ${settings.instances > 1 ? `${settings.instances} instances (streams spread, each takeover on another instance than its stream; CPU and responsiveness figures are instance 1's, queries, streams and memory summed), ` : ''}${settings.streams} streams, heartbeat ${settings.heartbeatS} s, UV_THREADPOOL_SIZE ${settings.uvThreadpoolSize}`,
    `Machine: nproc ${machine.nproc}, ${machine.cpuModel}, ${machine.memoryGiB.toFixed(0)} GiB, Node ${machine.node}, ulimit -n ${machine.openFileLimit ?? '?'}`,
    '',
    `Seeded ${run.seed.members} signed-in members in ${run.seed.seconds.toFixed(1)} s`,
    `Opened ${open.streams} streams in ${open.seconds.toFixed(1)} s (${open.perSecond.toFixed(0)}/s); server reports ${open.serverStreams}, ${open.serverThreads ?? '?'} threads`,
    '',
    'Idle database queries (target 0/s):',
    idleLine('without streams', run.idleWithoutStreams),
    idleLine(`with ${run.idleWithStreams.streams} streams`, run.idleWithStreams),
    '',
    'Server memory:',
    `  before streams  RSS ${mib(memory.before.rssBytes)}, heap used ${mib(memory.before.heapUsedBytes)}`,
    `  with streams    RSS ${mib(memory.after.rssBytes)}, heap used ${mib(memory.after.heapUsedBytes)}`,
    `  per stream      RSS ${(memory.rssPerStreamBytes / 1024).toFixed(1)} KiB, heap ${(memory.heapPerStreamBytes / 1024).toFixed(1)} KiB${settings.instances === 1 && settings.streams >= MEMORY_TARGET_STREAMS ? '' : ` (the ≤ 8 KiB target is judged on one instance at ${MEMORY_TARGET_STREAMS} streams: --streams ${MEMORY_TARGET_STREAMS})`}`,
    '',
    `Server responsiveness with ${settings.streams} streams (GET /healthz, ${run.responsiveness.requests} requests):`,
    row('a tick ≤ 5 ms before the answer', run.responsiveness.duringTick),
    row('otherwise', run.responsiveness.otherwise),
    '',
    `Takeovers: ${t.count} in ${t.seconds.toFixed(1)} s = ${t.perSecond.toFixed(1)}/s with ${t.concurrency} in flight; ${t.failed} failed`,
    row('delivery (received − event at)', t.delivery),
    row('end to end (received − POST sent)', t.endToEnd),
    row('login answer (answer − POST sent)', t.loginAnswer),
    row('delivery, a tick ≤ 5 ms before it', t.deliveryDuringHeartbeat),
    row('delivery, otherwise', t.deliveryOtherwise),
    row('event received − answer received', t.eventAfterAnswer),
    ...(t.toNotify.count > 0
      ? [row('event at → its NOTIFY (tx, commit)', t.toNotify), row('committed (NOTIFY) → on the stream', t.fromNotify)]
      : []),
    `  server CPU ${pct(t.cpu.serverPct)} (event loop ${pct(t.cpu.eventLoopPct)}), bench ${pct(t.cpu.clientPct)}, ` +
      `other ${pct(t.cpu.otherPct)}${settings.db === 'postgres' ? ' (PostgreSQL included)' : ''}, steal ${pct(t.cpu.stealPct)}`,
    ...(settings.db === 'sqlite' && (t.cpu.otherPct ?? 0) > NOISY_OTHER_PCT
      ? [
          `  NOISY: other processes used ${pct(t.cpu.otherPct)} of a core during the takeovers; repeat on an idle machine`,
        ]
      : []),
    `  bench event loop: utilization ${(100 * t.clientLoop.utilization).toFixed(0)}%, delay p99 ${ms(t.clientLoop.delayP99Ms)} / max ${ms(t.clientLoop.delayMaxMs)} ms`,
    `  check: ${t.check.summary}`,
    ...t.failures.slice(0, 5).map((f) => `    ${f}`),
    '',
    `Limits: ulimit -n ${run.limits.fdLimit ?? 'unlimited'} (this process); server stream ceiling ${run.limits.serverStreamsMax ?? 'none'} ` +
      `(ulimit -n minus REALTIME_FD_HEADROOM${settings.instances > 1 ? ', summed' : ''}); largest stream count reached ${run.limits.largestStreams}`,
    '',
    formatEchoBaseline(run.echo),
    `  ${ratioLine('delivery p50 ÷ echo round trip p50', t.delivery.p50, run.echo.roundTrip.p50)}`,
    `  ${ratioLine('delivery p99 ÷ echo round trip p99', t.delivery.p99, run.echo.roundTrip.p99)}`,
    `  ${ratioLine('GET /healthz p99 with the streams ÷ echo round trip p99', Math.max(run.responsiveness.duringTick.p99 || 0, run.responsiveness.otherwise.p99 || 0), run.echo.roundTrip.p99)}`,
    '',
    `Targets (${settings.streams} streams${settings.instances > 1 ? `, ${settings.instances} instances` : ''}):`,
    ...run.targets.map((v) => `  ${v.pass ? 'PASS' : 'FAIL'}  ${v.name}: ${v.value} (target ${v.target})`),
    `Overall: ${run.targetMet ? 'PASS' : 'FAIL'}`,
  ];
  return lines.join('\n');
}
