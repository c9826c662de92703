/** Percentiles and the summary table the bench prints (nothing is written to disk: figures go to docs/BENCHMARKS.md). */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { openFileLimit } from '../src/realtime/fd-limit.js';
import type { CpuShares } from './cpu-usage.js';

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles over every recorded answer (no histogram bucketing). */
export function summarizeLatencies(values: Float64Array): LatencySummary {
  if (values.length === 0) return { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}

export interface ScenarioRow {
  sync: 'FULL' | 'NORMAL';
  scenario: string;
  connections: number | null;
  durationS: number;
  /** 2xx "processed" answers in the measured phase. */
  ok: number;
  /** Non-2xx answers and unexpected 2xx outcomes in the measured phase. */
  bad: number;
  /** Timeouts and connection errors in the measured phase (outcome unknown). */
  errors: number;
  rate: number;
  latency: LatencySummary;
  /** Paced runs only: latency from the intended send time, and how late the client itself sent. */
  intended: { latency: LatencySummary; maxSendLagMs: number } | null;
  cpu: CpuShares;
  check: string;
  checkOk: boolean;
}

const COLUMNS: { title: string; width: number; left?: boolean; cell: (r: ScenarioRow) => string }[] = [
  { title: 'sync', width: 6, left: true, cell: (r) => r.sync },
  { title: 'scenario', width: 20, left: true, cell: (r) => r.scenario },
  { title: 'conns', width: 5, cell: (r) => (r.connections === null ? '-' : String(r.connections)) },
  { title: 'req/s', width: 6, cell: (r) => r.rate.toFixed(0) },
  { title: '2xx', width: 6, cell: (r) => String(r.ok) },
  { title: 'non2xx', width: 6, cell: (r) => String(r.bad) },
  { title: 'errors', width: 6, cell: (r) => String(r.errors) },
  { title: 'p50 ms', width: 6, cell: (r) => fixed(r.latency.p50) },
  { title: 'p99 ms', width: 6, cell: (r) => fixed(r.latency.p99) },
  { title: 'max ms', width: 6, cell: (r) => fixed(r.latency.max) },
  { title: 'server', width: 6, cell: (r) => pct(r.cpu.serverPct) },
  { title: 'loop', width: 4, cell: (r) => pct(r.cpu.eventLoopPct) },
  {
    title: 'µs/req',
    width: 6,
    cell: (r) => (r.cpu.serverUsPerRequest === null ? '?' : r.cpu.serverUsPerRequest.toFixed(0)),
  },
  { title: 'client', width: 6, cell: (r) => pct(r.cpu.clientPct) },
  { title: 'other', width: 6, cell: (r) => `${pct(r.cpu.otherPct)}${isNoisy(r) ? '!' : ''}` },
  { title: 'DB', width: 8, left: true, cell: (r) => (r.checkOk ? 'OK' : 'MISMATCH') },
];

/** What the CPU columns mean, printed under the table. */
export const TABLE_LEGEND =
  'CPU columns are % of one core over the measured phase: server = all its threads, loop = its event-loop\n' +
  'thread, µs/req = server CPU per answered request (mail worker included), client = this load generator,\n' +
  'other = everything else (other processes, kernel network work); "!" marks a noisy run (other > 25%).';

export const NOISY_OTHER_PCT = 25;

export function isNoisy(row: ScenarioRow): boolean {
  return (row.cpu.otherPct ?? 0) > NOISY_OTHER_PCT;
}

function pct(n: number | null): string {
  return n === null ? '?' : `${n.toFixed(0)}%`;
}

function fixed(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return n >= 100 ? n.toFixed(0) : n.toFixed(2);
}

export function formatTable(rows: readonly ScenarioRow[]): string {
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (COLUMNS[i]?.left ? c.padEnd(COLUMNS[i]?.width ?? 0) : c.padStart(COLUMNS[i]?.width ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(COLUMNS.map((c) => c.title)), line(COLUMNS.map((c) => '-'.repeat(c.width)))];
  for (const row of rows) out.push(line(COLUMNS.map((c) => c.cell(row))));
  return out.join('\n');
}

/** One line per run while the bench progresses. */
export function formatRun(row: ScenarioRow): string {
  const cpu = `, server CPU ${pct(row.cpu.serverPct)} (event loop ${pct(row.cpu.eventLoopPct)}), other ${pct(row.cpu.otherPct)}`;
  return (
    `  ${row.sync} ${row.scenario}${row.connections === null ? '' : ` c=${row.connections}`}: ` +
    `${row.rate.toFixed(0)} req/s, ${row.ok} ok, ${row.bad} non-2xx, ${row.errors} timeouts/errors, ` +
    `p50 ${fixed(row.latency.p50)} / p99 ${fixed(row.latency.p99)} / max ${fixed(row.latency.max)} ms${cpu}\n` +
    (row.intended
      ? `    from intended send time: p99 ${fixed(row.intended.latency.p99)} ms (client send lag max ${fixed(row.intended.maxSendLagMs)} ms)\n`
      : '') +
    `    DB ${row.check}`
  );
}

/** The targets for this 2-core machine (docs/BENCHMARKS.md): saturation throughput and p99 at 200/s paced. */
export const TARGET_SATURATION_RPS = 3000;
export const TARGET_P99_MS_AT_RATE = 10;

export function formatVerdict(rows: readonly ScenarioRow[]): string {
  const lines: string[] = [];
  for (const sync of ['FULL', 'NORMAL'] as const) {
    const saturation = rows.filter((r) => r.sync === sync && r.scenario === 'B saturation');
    if (saturation.length > 0) {
      const best = Math.max(...saturation.map((r) => r.rate));
      const verdict = best >= TARGET_SATURATION_RPS ? 'PASS' : 'FAIL';
      lines.push(`${sync}: best saturation ${best.toFixed(0)} req/s (target ≥ ${TARGET_SATURATION_RPS}: ${verdict})`);
    }
    const paced = rows.filter((r) => r.sync === sync && r.scenario.endsWith('paced'));
    if (paced.length > 0) {
      const p99s = paced.map((r) => r.latency.p99);
      const verdict = p99s.every((p) => p <= TARGET_P99_MS_AT_RATE) ? 'PASS' : 'FAIL';
      lines.push(
        `${sync}: paced p99 ${p99s.map(fixed).join(', ')} ms (target ≤ ${TARGET_P99_MS_AT_RATE} ms: ${verdict})`,
      );
    }
  }
  if (rows.some(isNoisy))
    lines.push('Some runs shared the CPU with other processes ("!"): repeat when the machine is idle.');
  return lines.join('\n');
}

/** The machine line every bench prints: nproc, CPU model, RAM, Node, and this process's descriptor limit. */
export function machineSummary(): string {
  const cpu = cpus();
  const fds = openFileLimit();
  return (
    `Machine: nproc ${availableParallelism()} × ${cpu[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ` +
    `Node ${process.version}, ulimit -n ${fds ?? 'unlimited'}`
  );
}
