/**
 * Where one webhook's time goes, in-process and without HTTP: the service call as shipped (alone
 * and with 16 or 64 at once), its mail, the same with a prepared-statement cache and a cached
 * DateTimeFormat (stand-ins for the changes docs/BENCHMARKS.md proposes), and the bare SQLite floor
 * under it. Complements `npm run bench:webhooks`, which measures the real server end to end.
 *   node --import tsx bench/webhook-cost.ts [--count 3000] [--sync FULL|NORMAL|both]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { systemRuntime } from '../src/clock.js';
import type { Config } from '../src/config/index.js';
import { loadConfig } from '../src/config/index.js';
import type { Database } from '../src/db/index.js';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import { createLogger } from '../src/logger.js';
import { devTransport, MailWorker } from '../src/mail/index.js';
import { receiveLynkDelivery } from '../src/webhooks/index.js';
import { cachedStatementsDatabase, withCachedDateTimeFormat } from './cost-prototypes.js';
import type { PaymentPool } from './payment-pool.js';
import { buildPaymentPool } from './payment-pool.js';
import { measureSqliteFloor } from './sqlite-floor.js';

const MERCHANT_KEY = 'bench-merchant-key-0123456789';
const WARMUP = 300;
const log = createLogger('silent');

interface Cost {
  wallUs: number;
  cpuUs: number;
}

/** Runs fn for `count` indices with `concurrency` in flight; wall and CPU µs per call. */
async function cost(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<Cost> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { wallUs: ((performance.now() - wall0) * 1000) / count, cpuUs: (cpu.user + cpu.system) / count };
}

function print(label: string, c: Cost): void {
  console.log(
    `  ${label.padEnd(62)} ${c.wallUs.toFixed(0).padStart(6)} µs wall ${c.cpuUs.toFixed(0).padStart(6)} µs CPU`,
  );
}

interface World {
  db: Kysely<Database>;
  config: Config;
  file: string;
  close(): Promise<void>;
}

async function openWorld(sync: 'FULL' | 'NORMAL', cachedStatements: boolean): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'gerbang-cost-'));
  const loaded = loadConfig(
    { DATA_DIR: dir, LYNK_MERCHANT_KEY: MERCHANT_KEY, COOKIE_SECRET: 'c'.repeat(40), SQLITE_SYNCHRONOUS: sync },
    dir,
  );
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const { config } = loaded;
  const file = join(dir, 'gerbang.db');
  const handle = cachedStatements
    ? cachedStatementsDatabase(file, sync)
    : openDatabase({ kind: 'sqlite', file, synchronous: sync });
  await migrateToLatest(handle.db, 'sqlite');
  return {
    db: handle.db,
    config,
    file,
    async close() {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function webhooksAndMail(
  sync: 'FULL' | 'NORMAL',
  pool: PaymentPool,
  count: number,
  variant: { label: string; cachedStatements: boolean; cachedDateFormat: boolean },
): Promise<void> {
  const world = await openWorld(sync, variant.cachedStatements);
  try {
    const deps = { db: world.db, config: world.config, runtime: systemRuntime };
    let cursor = 0;
    const receive = () => {
      const i = cursor++;
      return receiveLynkDelivery(deps, log, {
        rawBody: pool.bodies[i] ?? Buffer.alloc(0),
        signature: pool.signatures[i],
        remoteIp: '127.0.0.1',
        requestId: `cost-${i}`,
      });
    };
    await cost(WARMUP, 1, receive);
    print(`receiveLynkDelivery${variant.label}, one at a time`, await cost(count, 1, receive));
    // Concurrency amortises nothing: every webhook is its own transaction on SQLite's one connection.
    if (!variant.cachedStatements) print('receiveLynkDelivery, 16 at once', await cost(count, 16, receive));
    const worker = new MailWorker({
      db: world.db,
      dialect: 'sqlite',
      config: world.config,
      runtime: systemRuntime,
      transport: devTransport(),
      log,
    });
    // drain() on a worker that was never started stops after one batch: loop, bounded by the backlog.
    const mails = cursor;
    const drainAll = async () => {
      for (let batch = 0; batch <= mails / 20 + 1; batch++) if ((await worker.drain()) === 0) return;
    };
    const drained = await (variant.cachedDateFormat
      ? withCachedDateTimeFormat(() => cost(1, 1, drainAll))
      : cost(1, 1, drainAll));
    print(`mail worker, per mail${variant.label}${variant.cachedDateFormat ? ' + cached DateTimeFormat' : ''}`, {
      wallUs: drained.wallUs / mails,
      cpuUs: drained.cpuUs / mails,
    });
  } finally {
    await world.close();
  }
}

async function sqliteFloor(sync: 'FULL' | 'NORMAL', pool: PaymentPool, count: number): Promise<void> {
  const rawBody = pool.bodies[0]?.toString('utf8') ?? '';
  const variants = [
    { label: 'prepare each statement, 1 payment per transaction', cachedStatements: false, perTransaction: 1 },
    { label: 'cached statements, 1 payment per transaction', cachedStatements: true, perTransaction: 1 },
    { label: 'cached statements, 16 payments per transaction', cachedStatements: true, perTransaction: 16 },
  ];
  for (const variant of variants) {
    const world = await openWorld(sync, false);
    try {
      await world.db.destroy(); // the floor opens the file itself
      const wallUs = measureSqliteFloor(world.file, sync, variant, count, rawBody);
      console.log(`  SQL floor: ${variant.label.padEnd(51)} ${wallUs.toFixed(0).padStart(6)} µs wall`);
    } finally {
      rmSync(join(world.file, '..'), { recursive: true, force: true });
    }
  }
}

const MAIL_BACKLOG = 1000;
const STALL_TIMEOUT_MS = 60_000;

/**
 * The started mail worker draining a backlog (after an SMTP outage, or a burst of payments): with
 * the dev transport every step resolves at once, so drain() is one long chain of microtasks and the
 * event loop (HTTP included) gets no turn until the backlog is gone. A 1 ms timer shows the gap.
 */
async function mailBacklogStall(sync: 'FULL' | 'NORMAL', pool: PaymentPool): Promise<void> {
  const world = await openWorld(sync, false);
  try {
    const deps = { db: world.db, config: world.config, runtime: systemRuntime };
    for (let i = 0; i < MAIL_BACKLOG; i++)
      await receiveLynkDelivery(deps, log, {
        rawBody: pool.bodies[i] ?? Buffer.alloc(0),
        signature: pool.signatures[i],
        remoteIp: '127.0.0.1',
        requestId: `stall-${i}`,
      });
    const worker = new MailWorker({
      db: world.db,
      dialect: 'sqlite',
      config: world.config,
      runtime: systemRuntime,
      transport: devTransport(),
      log,
    });
    let longestGapMs = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
    }, 1);
    const started = performance.now();
    worker.start();
    const unsent = async () => {
      const row = await world.db
        .selectFrom('mail_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '<>', 'sent')
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    };
    while ((await unsent()) > 0 && performance.now() - started < STALL_TIMEOUT_MS)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const drainedMs = performance.now() - started;
    clearInterval(probe);
    await worker.stop();
    console.log(
      `  mail backlog of ${MAIL_BACKLOG}: sent in ${drainedMs.toFixed(0)} ms; longest event-loop gap ${longestGapMs.toFixed(0)} ms`,
    );
  } finally {
    await world.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { count: { type: 'string', default: '3000' }, sync: { type: 'string', default: 'both' } },
  });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 100 || count > 100_000) throw new Error('--count must be 100–100000');
  const modes: ('FULL' | 'NORMAL')[] =
    values.sync === 'both' ? ['FULL', 'NORMAL'] : [values.sync === 'NORMAL' ? 'NORMAL' : 'FULL'];
  // Payments for the warm-up and the two measured passes (alone, 16 at once) of one world.
  const pool = buildPaymentPool(Math.max(WARMUP + 2 * count, MAIL_BACKLOG), MERCHANT_KEY);
  for (const sync of modes) {
    console.log(`\nSQLITE_SYNCHRONOUS=${sync}, ${count} payments per figure (in-process, no HTTP)`);
    await webhooksAndMail(sync, pool, count, { label: '', cachedStatements: false, cachedDateFormat: false });
    await webhooksAndMail(sync, pool, count, {
      label: ' + statement cache',
      cachedStatements: true,
      cachedDateFormat: true,
    });
    await sqliteFloor(sync, pool, count);
    await mailBacklogStall(sync, pool);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
