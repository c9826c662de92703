/**
 * A/B of license validation between builds (`node --import tsx bench/licenses-ab.ts --bin
 * <tree>/bin/gerbang.js --bin <other>/bin/gerbang.js`): the same seeded database copied for each
 * run, the builds run one after the other, alternating, for `--rounds` rounds, each at saturation
 * (autocannon, `--connections`). On a shared machine the rates swing with the other processes; the
 * server's CPU per validation (all threads, and its event loop alone) and how busy the loop was
 * swing less, and are what an A/B of the hot path compares. Each tree must be built beforehand.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuShares, takeCpuSnapshot } from './cpu-usage.js';
import type { ValidationPool } from './licenses-load.js';
import { runSaturatedValidations } from './licenses-load.js';
import { licenseServerEnv, seedLicenses } from './licenses-seed.js';
import { summarizeLatencies } from './report.js';
import { ServerRegistry, startServerProcess } from './server-process.js';

const { values } = parseArgs({
  options: {
    bin: { type: 'string', multiple: true, default: [] },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '6' },
    licenses: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '16' },
    tokens: { type: 'string', default: 'on' },
  },
});
const bins = values.bin;
if (bins.length === 0) throw new Error('--bin <path to bin/gerbang.js>, at least once');
const rounds = Number(values.rounds);
const durationS = Number(values.duration);
const connections = Number(values.connections);
const tokens = values.tokens === 'on';

const registry = new ServerRegistry();
process.on('exit', () => registry.disposeAll());
const template = mkdtempSync(join(tmpdir(), 'gerbang-ab-seed-'));
const seeded = await seedLicenses(template, Number(values.licenses));
const bodies = seeded.licenses.map((l) => JSON.stringify({ key: l.key, fingerprint: l.fingerprint }));

console.log(
  '| round | build | valid/s | bad | p50 ms | p99 ms | server CPU | loop CPU | server µs/val | loop µs/val | client CPU | other CPU | steal |',
);
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (let round = 1; round <= rounds; round++) {
  for (const spec of bins) {
    // `path?NAME=value&…`: extra environment for that build's server (a setting under test).
    const [bin = '', query = ''] = spec.split('?');
    const extraEnv = Object.fromEntries(new URLSearchParams(query));
    const dataDir = mkdtempSync(join(tmpdir(), 'gerbang-ab-'));
    copyFileSync(join(template, 'gerbang.db'), join(dataDir, 'gerbang.db'));
    const pool: ValidationPool = { bodies: [...bodies].sort(() => Math.random() - 0.5), next: 0, expectTokens: tokens };
    const server = await startServerProcess(registry, {
      bin,
      dataDir,
      env: { ...licenseServerEnv({ sync: 'FULL', logLevel: 'warn', tokens }), ...extraEnv },
    });
    try {
      await runSaturatedValidations(server.url, pool, { connections: 8, durationS: 2 });
      const before = takeCpuSnapshot(server.pid);
      const result = await runSaturatedValidations(server.url, pool, { connections, durationS });
      const after = takeCpuSnapshot(server.pid);
      const answered = result.ok + result.bad;
      const cpu = cpuShares(before, after, answered);
      const wallS = (after.wallMs - before.wallMs) / 1000;
      const loopUs =
        cpu.eventLoopPct === null ? null : ((cpu.eventLoopPct / 100) * wallS * 1e6) / Math.max(1, answered);
      const latency = summarizeLatencies(result.latenciesMs);
      const pct = (n: number | null) => (n === null ? '?' : `${n.toFixed(0)}%`);
      console.log(
        `| ${round} | ${spec.replace('/bin/gerbang.js', '')} | ${(result.ok / result.durationS).toFixed(0)} | ${result.bad} | ` +
          `${latency.p50.toFixed(2)} | ${latency.p99.toFixed(2)} | ${pct(cpu.serverPct)} | ${pct(cpu.eventLoopPct)} | ` +
          `${cpu.serverUsPerRequest?.toFixed(0) ?? '?'} | ${loopUs?.toFixed(0) ?? '?'} | ${pct(cpu.clientPct)} | ${pct(cpu.otherPct)} | ${pct(cpu.stealPct)} |`,
      );
    } finally {
      registry.release(server);
    }
  }
}
rmSync(template, { recursive: true, force: true });
process.exit(0);
