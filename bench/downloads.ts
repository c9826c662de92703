/**
 * Content downloads (`npm run bench:downloads -- --help`): the real server in a child process on
 * SQLite holding one 100 MB file as membership content. Measures one download alone (throughput
 * through gate, signed URL and chunked reads), then 20 at once while sampling the server's resident
 * memory from /proc every 50 ms: files are streamed chunk by chunk from the database, so memory
 * must stay far below 20 × the file. Every download is checked byte for byte (SHA-256).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { resolveDevice } from '../src/auth/devices.js';
import { createSession } from '../src/auth/index.js';
import { loadConfig } from '../src/config/index.js';
import { databaseStorage } from '../src/content/index.js';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import { createMemberIfAbsent, hashPassword } from '../src/members/index.js';
import { waitForQuietMachine } from './cpu-usage.js';
import { formatEchoBaseline, measureEchoBaseline, ratioLine } from './echo-baseline.js';
import { integerFlags } from './options.js';
import { machineSummary } from './report.js';
import { benchServers, startServerProcess } from './server-process.js';

const USAGE = `npm run bench:downloads -- [options]
  --size-mb <n>      size of the file (default 100)
  --downloads <n>    downloads at once in the concurrent phase (default 20)
  --quiet-wait <s>   before measuring, wait up to s seconds for the machine to be idle (default 30)`;

const COOKIE_SECRET = `bench-cookie-secret-${randomBytes(16).toString('hex')}`;
const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const MB = 1024 * 1024;

function parse(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      'size-mb': { type: 'string', default: '100' },
      downloads: { type: 'string', default: '20' },
      'quiet-wait': { type: 'string', default: '30' },
      help: { type: 'boolean', default: false },
    },
  });
  const errors: string[] = [];
  const int = integerFlags(errors);
  const options = {
    sizeMb: int('size-mb', values['size-mb'], 1, 2048),
    downloads: int('downloads', values.downloads, 1, 200),
    quietWait: int('quiet-wait', values['quiet-wait'], 0, 600),
  };
  return { help: values.help, options, errors };
}

/** The file's bytes, made piece by piece (never held whole, here either). */
function* fileBytes(size: number): Generator<Uint8Array> {
  const piece = Buffer.alloc(MB);
  for (let i = 0; i < piece.length; i++) piece[i] = (i * 31) & 0xff;
  for (let sent = 0; sent < size; sent += piece.length) {
    piece[0] = (sent / MB) & 0xff; // each MiB differs
    yield Buffer.from(piece.subarray(0, Math.min(piece.length, size - sent)));
  }
}

/** Migrates the server's database and stores the member, their session and the file before it starts. */
async function seed(dataDir: string, env: Record<string, string>, size: number) {
  const loaded = loadConfig({ ...env, DATA_DIR: dataDir }, dataDir);
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const config = loaded.config;
  const database = openDatabase(config.database);
  try {
    await migrateToLatest(database.db, database.dialect);
    const now = Date.now();
    const started = performance.now();
    const file = await databaseStorage(database.db).save(
      { name: 'kelas.zip', mime: 'application/zip' },
      fileBytes(size),
      now,
    );
    const storeSeconds = (performance.now() - started) / 1000;
    const product = await database.db
      .insertInto('content_products')
      .values({
        match_uuid: null,
        match_title: 'Daftar Member KEI',
        name: 'Materi member',
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const item = await database.db
      .insertInto('content_items')
      .values({
        product_id: product.id,
        position: 1,
        kind: 'file',
        title: 'Rekaman kelas',
        url: null,
        source_url: null,
        body: null,
        file_id: file.id,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { member } = await createMemberIfAbsent(
      database.db,
      {
        email: 'member@bench.example',
        name: 'Bench',
        phone: '',
        passwordHash: await hashPassword(randomBytes(16).toString('hex')),
        sourceOrderId: null,
      },
      now,
    );
    const claim = { token: undefined, fingerprint: randomBytes(32).toString('hex'), userAgent: USER_AGENT };
    const device = await resolveDevice(database.db, claim, now, randomBytes);
    if (!device.newToken) throw new Error('the bench device got no token');
    const session = await createSession(database.db, {
      memberId: member.id,
      deviceId: device.id,
      ip: '127.0.0.1',
      now,
      settings: config.auth,
      randomBytes,
    });
    return {
      itemId: item.id,
      sha256: file.sha256,
      cookie: `gerbang_session=${session.value}; gerbang_device=${device.newToken}`,
      storeSeconds,
    };
  } finally {
    await database.close();
  }
}

/**
 * The server's resident memory in MiB, from /proc (Linux): all of it, and its anonymous part (heap,
 * buffers: what streaming must bound). The rest is file pages — SQLite maps up to 256 MiB of its
 * database file (mmap_size), so pages of the file just read count as resident without being copies.
 */
function rss(pid: number): { total: number; anon: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024;
    return { total: field('VmRSS'), anon: field('RssAnon') };
  } catch {
    return { total: Number.NaN, anon: Number.NaN };
  }
}

async function download(
  base: string,
  itemId: number,
  cookie: string,
): Promise<{ bytes: number; sha256: string; seconds: number }> {
  const headers = { cookie, 'user-agent': USER_AGENT, accept: '*/*' };
  const gate = await fetch(`${base}/member/konten/${itemId}/unduh`, { headers, redirect: 'manual' });
  const location = gate.headers.get('location');
  if (gate.status !== 303 || !location) throw new Error(`the gate answered ${gate.status}`);
  const started = performance.now();
  const response = await fetch(`${base}${location}`, { headers });
  if (response.status !== 200 || !response.body) throw new Error(`the signed URL answered ${response.status}`);
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of response.body) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex'), seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const { help, options, errors } = parse(process.argv.slice(2));
  if (help || errors.length > 0) {
    console.log([...errors, USAGE].join('\n'));
    process.exit(help ? 0 : 2);
  }
  const size = options.sizeMb * MB;
  const env = {
    NODE_ENV: 'production',
    PUBLIC_URL: 'http://127.0.0.1',
    COOKIE_SECRET,
    LYNK_MERCHANT_KEY: `bench-${randomBytes(8).toString('hex')}`,
    LOG_LEVEL: 'warn',
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'gerbang-bench-downloads-'));
  console.log(machineSummary());
  console.log(`Storing a ${options.sizeMb} MB file in SQLite …`);
  const seeded = await seed(dataDir, env, size);
  const { registry, launcher } = benchServers();
  const server = await startServerProcess(registry, { bin: launcher.bin, env, dataDir });
  const quiet = await waitForQuietMachine(options.quietWait, 15);
  if (!quiet.quiet)
    console.log(
      `The machine stayed busy (${quiet.busy.toFixed(0)}% of a core besides this bench): figures are lower bounds.`,
    );

  const idleRss = rss(server.pid);
  const single = await download(server.url, seeded.itemId, seeded.cookie);
  if (single.bytes !== size || single.sha256 !== seeded.sha256)
    throw new Error('the single download differs from the file');
  const afterSingleRss = rss(server.pid);

  const samples: { total: number; anon: number }[] = [];
  const sampler = setInterval(() => samples.push(rss(server.pid)), 50);
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: options.downloads }, () => download(server.url, seeded.itemId, seeded.cookie)),
  );
  const wall = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const wrong = results.filter((r) => r.bytes !== size || r.sha256 !== seeded.sha256).length;
  if (wrong > 0) throw new Error(`${wrong} of the concurrent downloads differ from the file`);
  await server.stop();
  registry.release(server);
  // The baseline in the same run: a bare Fastify JSON echo on this machine.
  const echo = await measureEchoBaseline();

  const mbps = (bytes: number, seconds: number) => (bytes / MB / seconds).toFixed(0);
  const slowest = Math.max(...results.map((r) => r.seconds));
  console.log(`
| measure | value |
| --- | --- |
| storing the file (${options.sizeMb} MB, 256 KiB chunks, 4 per commit) | ${seeded.storeSeconds.toFixed(1)} s (${mbps(size, seeded.storeSeconds)} MB/s) |
| one download alone | ${single.seconds.toFixed(2)} s, ${mbps(size, single.seconds)} MB/s |
| ${options.downloads} downloads at once: all done in | ${wall.toFixed(1)} s, ${mbps(size * options.downloads, wall)} MB/s in all (slowest ${slowest.toFixed(1)} s) |
| server RSS idle / after one download (anonymous part) | ${idleRss.total.toFixed(0)} MiB (${idleRss.anon.toFixed(0)}) / ${afterSingleRss.total.toFixed(0)} MiB (${afterSingleRss.anon.toFixed(0)}) |
| server RSS during the ${options.downloads} downloads: median / peak | ${median(samples.map((x) => x.total)).toFixed(0)} MiB / ${Math.max(...samples.map((x) => x.total)).toFixed(0)} MiB (${samples.length} samples) |
| … its anonymous part (heap, buffers): median / peak | ${median(samples.map((x) => x.anon)).toFixed(0)} MiB / ${Math.max(...samples.map((x) => x.anon)).toFixed(0)} MiB |
| every download byte-identical (SHA-256) | yes |

${formatEchoBaseline(echo)}
  ${ratioLine(`one ${options.sizeMb} MB download's time × echo req/s (echo answers in the same time)`, single.seconds * echo.perSecond, 1)}
  ${ratioLine(`${options.downloads} downloads at once, MB/s ÷ echo kreq/s`, (size * options.downloads) / MB / wall, echo.perSecond / 1000)}`);
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

await main();
