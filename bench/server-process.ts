import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/**
 * The real server (`node bin/gerbang.js serve`, the built bundle) as a child process, so the load
 * generator and the server never share an event loop. PORT=0: the kernel picks the port and the
 * startup banner tells it. Each bench gives the whole environment; DATA_DIR is fresh unless the
 * bench prepared one (seeded data).
 */

/** The Lynk merchant key every bench server is started with (benches sign their webhooks with it). */
export const BENCH_MERCHANT_KEY = 'bench-merchant-key-0123456789';

/**
 * What every bench server's environment starts with. Not production: that refuses the dev mailbox,
 * which does the mail work in-process as in every run recorded in docs/BENCHMARKS.md (NODE_ENV
 * changes only config validation). Port 0 in PUBLIC_URL too: the server then puts its real port in
 * the links it makes (http: plain cookie names).
 */
export function benchServerEnv(options: { sync: string; logLevel: string }): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PUBLIC_URL: 'http://127.0.0.1:0',
    LOG_LEVEL: options.logLevel,
    SQLITE_SYNCHRONOUS: options.sync,
    LYNK_MERCHANT_KEY: BENCH_MERCHANT_KEY,
    COOKIE_SECRET: 'bench-cookie-secret-0123456789abcdef0123456789',
  };
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;
const LOG_TAIL_LINES = 40;

export interface ServerOptions {
  /** The launcher to run: bin/gerbang.js, or its snapshot (see snapshotLauncher). */
  bin: string;
  /** The child's whole environment (nothing is inherited but PATH); PORT and DATA_DIR are set here. */
  env: Record<string, string>;
  /** A DATA_DIR the bench filled before the start; a fresh temp dir when absent. Deleted on dispose. */
  dataDir?: string;
  /** When set, the child runs with --cpu-prof and writes its profile here on a graceful stop. */
  cpuProfDir?: string;
  /** When set, the child writes a V8 heap snapshot here on SIGUSR2 (see writeHeapSnapshot). */
  heapSnapshotDir?: string;
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readonly dbFile: string;
  /** performance.now() when the banner arrived (the server listens and has migrated). */
  readonly startedPerf: number;
  /** The child's last lines of output, for error messages. */
  logTail(): string;
  /** SIGKILL, as a crash would: what a 200 promised must survive this. */
  crash(): Promise<void>;
  /** SIGTERM and wait: the server drains in-flight requests (and writes a CPU profile if asked). */
  stop(): Promise<void>;
  /** Kills the process if still alive and deletes DATA_DIR. Synchronous: safe in an exit handler. */
  dispose(): void;
}

/** Everything started, so an error or Ctrl-C anywhere still stops the children and removes their files. */
export class ServerRegistry {
  private readonly live = new Set<ServerProcess>();

  add(server: ServerProcess): void {
    this.live.add(server);
  }

  release(server: ServerProcess): void {
    server.dispose();
    this.live.delete(server);
  }

  disposeAll(): void {
    for (const server of this.live) server.dispose();
    this.live.clear();
  }
}

/**
 * Other engineers rebuild dist/gerbang.js while they work, and a bench spawns a fresh server per
 * run: all runs must use one build. This copies bin/gerbang.js and the bundles `npm run build` just
 * wrote into node_modules/.cache (so the bundle's package imports still resolve from node_modules),
 * keeping the launcher's own ../dist/gerbang.js lookup. dispose() removes the copy.
 */
export function snapshotLauncher(): { bin: string; dispose(): void } {
  const bundle = join(ROOT, 'dist', 'gerbang.js');
  if (!existsSync(bundle)) throw new Error('dist/gerbang.js is missing: run `npm run build` first');
  const dir = join(ROOT, 'node_modules', '.cache', 'gerbang-bench', String(process.pid));
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'dist'), { recursive: true });
  // Package scope lookup stops at node_modules: say again that these files are ES modules.
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  copyFileSync(join(ROOT, 'bin', 'gerbang.js'), join(dir, 'bin', 'gerbang.js'));
  // The server, the chunks it loads (one per CLI command, and what they share) and the threads it
  // starts beside itself (touch-worker.js, SQLite's "last validated" writes; signing-worker.js, the
  // license tokens' signatures; mail-thread.js, the SQLite mail worker).
  for (const name of readdirSync(join(ROOT, 'dist'))) {
    if (/\.js(\.map)?$/.test(name)) copyFileSync(join(ROOT, 'dist', name), join(dir, 'dist', name));
  }
  const dispose = () => {
    rmSync(dir, { recursive: true, force: true });
    // The parents go too when empty (no other bench run using them); rmdir refuses non-empty ones.
    for (const parent of [dirname(dir), dirname(dirname(dir))]) {
      try {
        rmdirSync(parent);
      } catch {
        break;
      }
    }
  };
  return { bin: join(dir, 'bin', 'gerbang.js'), dispose };
}

export async function startServerProcess(registry: ServerRegistry, options: ServerOptions): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gerbang-bench-'));
  const nodeArgs = [
    ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []),
    ...(options.heapSnapshotDir
      ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${options.heapSnapshotDir}`]
      : []),
  ];
  // cwd is the DATA_DIR so no developer .env leaks into the measured configuration.
  const child = spawn(process.execPath, [...nodeArgs, options.bin, 'serve'], {
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...options.env, PORT: '0', DATA_DIR: dataDir },
  });
  const tail: string[] = [];
  let announced: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => {
    announced = resolve;
  });
  const keepTail = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      // The banner's first line: "Gerbang berjalan di http://127.0.0.1:PORT  (production)".
      const url = /Gerbang berjalan di (http:\/\/\S+)/.exec(line)?.[1];
      if (url) announced(url);
    }
    tail.splice(0, Math.max(0, tail.length - LOG_TAIL_LINES));
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let url = '';
  let startedPerf = 0;
  let disposed = false;
  const server: ServerProcess = {
    get url() {
      return url;
    },
    get startedPerf() {
      return startedPerf;
    },
    pid: child.pid ?? -1,
    dbFile: join(dataDir, 'gerbang.db'),
    logTail: () => tail.join('\n'),
    async crash() {
      if (isRunning(child)) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!isRunning(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (isRunning(child)) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  registry.add(server);

  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    listening,
    exited.then(() => null),
    new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), READY_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (outcome === null) {
    const output = server.logTail();
    registry.release(server);
    throw new Error(`server did not start listening in ${READY_TIMEOUT_MS} ms. Its last output:\n${output}`);
  }
  url = outcome;
  startedPerf = performance.now();
  return server;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * The registry of server children and the bundle snapshot they run, with both disposed on every
 * exit path of the bench process: end, error, Ctrl-C, SIGTERM.
 */
export function benchServers(): { registry: ServerRegistry; launcher: { bin: string; dispose(): void } } {
  const registry = new ServerRegistry();
  const launcher = snapshotLauncher();
  const cleanUp = () => {
    registry.disposeAll();
    launcher.dispose();
  };
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      cleanUp();
      process.exit(130);
    });
  return { registry, launcher };
}

/**
 * Asks a child started with `heapSnapshotDir` for a heap snapshot and waits until the file is
 * complete (its size still for a second); returns its path.
 */
export async function writeHeapSnapshot(server: ServerProcess, dir: string, timeoutMs = 120_000): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(server.pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const file = readdirSync(dir).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
    if (!file) continue;
    const size = statSync(join(dir, file)).size;
    if (size > 0 && size === last) return join(dir, file);
    last = size;
  }
  throw new Error(`no heap snapshot in ${dir} after ${timeoutMs} ms`);
}
