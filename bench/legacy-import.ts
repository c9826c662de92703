/**
 * `npm run bench:import`: `gerbang import legacy` of the previous system's database, built in the
 * machine's MariaDB, into a fresh SQLite file (or PostgreSQL schema): a first run (everything is
 * created), then a second (everything is "sudah diimpor"). Wall times include the process start.
 *
 * The fixture's bcrypt hashes use a low cost by default (--cost 4): generating 10,000 hashes at
 * PHP's cost 10 would itself take a quarter of an hour. The phone check is the only part whose time
 * depends on the cost, so the bench also times bcrypt comparisons at cost 10 here and prints what
 * the phone check of the same members would take at that cost, and runs the import once more with
 * the check left to the first login (--phone-check login), whose time does not depend on the cost.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { createLegacyDatabase, phpHash } from '../test/helpers/legacy.js';
import { createPostgresSchema } from '../test/helpers/postgres.js';
import { formatEchoBaseline, measureEchoBaseline, ratioLine } from './echo-baseline.js';
import { machineSummary } from './report.js';

const BIN = fileURLToPath(new URL('../bin/gerbang.js', import.meta.url));
const USAGE = `npm run bench:import -- [--members N] [--licenses N] [--cost C] [--dialect sqlite|postgres]`;

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      members: { type: 'string', default: '10000' },
      licenses: { type: 'string', default: '20000' },
      cost: { type: 'string', default: '4' },
      dialect: { type: 'string', default: 'sqlite' },
    },
  });
  const members = Number(values.members);
  const licenses = Number(values.licenses);
  const cost = Number(values.cost);
  const dialect = values.dialect;
  const ok =
    Number.isInteger(members) &&
    members >= 1 &&
    members <= 200_000 &&
    Number.isInteger(licenses) &&
    licenses >= 0 &&
    licenses <= 400_000 &&
    Number.isInteger(cost) &&
    cost >= 4 &&
    cost <= 12 &&
    (dialect === 'sqlite' || dialect === 'postgres');
  if (!ok) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  return { members, licenses, cost, dialect: dialect as 'sqlite' | 'postgres' };
}

/** Shared hashes keep the fixture quick to build; three members in four still use their phone. */
function fixture(members: number, licenses: number, cost: number) {
  const phones = Array.from({ length: 32 }, (_, i) => `0812${String(i).padStart(8, '0')}`);
  const phoneHashes = phones.map((p) => phpHash(p, cost));
  const otherHash = phpHash('kata sandi yang diganti', cost);
  return {
    members: Array.from({ length: members }, (_, i) => ({
      email: `member${i}@bench.example`,
      username: `member${i}@bench.example`,
      password: (i % 4 === 3 ? otherHash : phoneHashes[i % phones.length]) ?? null,
      pic_phone: phones[i % phones.length] ?? '',
      pic: `Member ${i}`,
    })),
    licenses: Array.from({ length: licenses }, (_, i) => ({
      email: `member${i % members}@bench.example`,
      key_license: `KEI-${(i >>> 16).toString(16).padStart(4, '0').toUpperCase()}-${i.toString(16).padStart(8, '0').toUpperCase()}`,
      produk_digital: `prod-${i % 5}`,
      // Every tenth sale was delivered twice by Lynk and got a second key for the same refId.
      trx_lynk_id: `ref-${i % 10 === 9 ? i - 1 : i}`,
      device_active: i % 5 === 0 ? `device-${i}` : null,
      id_order: `KEI-${i.toString(16).padStart(8, '0').toUpperCase()}`,
      id_transaction: `KEI-${(i & 0xffff).toString(16).padStart(4, '0').toUpperCase()}`,
      created_at: '2026-01-15 09:30:00',
    })),
  };
}

function runImport(url: string, env: Record<string, string>, cwd: string, extra: string[] = []) {
  return new Promise<{ ms: number; report: Record<string, unknown> }>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'import', 'legacy', '--from', url, '--json', ...extra], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`import exited ${code}: ${stderr}`));
      else resolve({ ms, report: JSON.parse(stdout) as Record<string, unknown> });
    });
  });
}

/** Milliseconds of one bcrypt comparison at PHP's default cost, on one core of this machine. */
function compareMsAtCost10(): number {
  const hash = bcrypt.hashSync('081234567890', 10);
  const started = performance.now();
  for (let i = 0; i < 5; i++) bcrypt.compareSync('081234567890', hash);
  return (performance.now() - started) / 5;
}

const opts = options();
const dir = mkdtempSync(join(tmpdir(), 'gerbang-bench-import-'));
const schema = opts.dialect === 'postgres' ? await createPostgresSchema() : null;
const buildStarted = performance.now();
const legacy = await createLegacyDatabase(fixture(opts.members, opts.licenses, opts.cost));
const buildMs = performance.now() - buildStarted;
try {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    DATA_DIR: join(dir, 'data'),
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    ...(schema ? { DATABASE_URL: schema.url } : {}),
  };
  const first = await runImport(legacy.url, env, dir);
  const second = await runImport(legacy.url, env, dir);
  // The same import into an empty SQLite file, the phone check left to each member's first login.
  const deferred = await runImport(legacy.url, { ...env, DATA_DIR: join(dir, 'deferred'), DATABASE_URL: '' }, dir, [
    '--phone-check',
    'login',
  ]);
  const perCompare = compareMsAtCost10();
  // The baseline in the same run: a bare Fastify JSON echo on this machine.
  const echo = await measureEchoBaseline();
  const members = first.report.members as { created: number; phoneDefault: number };
  const licenses = first.report.licenses as { created: number; ordersCreated: number; activationsCreated: number };
  const checks = opts.members;
  const cores = availableParallelism();
  process.stdout.write(
    [
      machineSummary(),
      `Fixture: ${opts.members} members, ${opts.licenses} licenses in MariaDB, bcrypt cost ${opts.cost} (built in ${(buildMs / 1000).toFixed(1)} s); Gerbang on ${opts.dialect}`,
      `First run : ${(first.ms / 1000).toFixed(1)} s — ${members.created} members (${members.phoneDefault} with the phone as password), ${licenses.created} licenses, ${licenses.ordersCreated} orders, ${licenses.activationsCreated} activations`,
      `Second run: ${(second.ms / 1000).toFixed(1)} s — nothing created (${JSON.stringify((second.report.members as { alreadyImported: number }).alreadyImported)} members, ${JSON.stringify((second.report.licenses as { alreadyImported: number }).alreadyImported)} licenses already imported)`,
      `With --phone-check login (SQLite): ${(deferred.ms / 1000).toFixed(1)} s for the same rows`,
      `Phone check at PHP's cost 10: ${perCompare.toFixed(0)} ms per comparison here; ${checks} members on ${cores} worker threads ≈ ${((checks * perCompare) / cores / 1000).toFixed(0)} s of the run`,
      formatEchoBaseline(echo),
      `  ${ratioLine('rows imported/s with --phone-check login ÷ echo req/s', (opts.members + opts.licenses) / (deferred.ms / 1000), echo.perSecond)}`,
      `  ${ratioLine('rows imported/s, first run (phone check included) ÷ echo req/s', (opts.members + opts.licenses) / (first.ms / 1000), echo.perSecond)}`,
      '',
    ].join('\n'),
  );
} finally {
  await legacy.drop();
  await schema?.drop();
  rmSync(dir, { recursive: true, force: true });
}
