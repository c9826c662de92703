import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ServerProcess, ServerRegistry } from './server-process.js';

/**
 * The built server as a child process, like startServerProcess in server-process.ts, but with the
 * environment the realtime bench needs (METRICS_TOKEN, DATABASE_URL, heartbeat and login limits)
 * and a DATA_DIR the bench filled before the start (members seeded straight into the database).
 * PORT=0: the kernel picks the port and the banner tells it. dispose() deletes the DATA_DIR.
 */

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;
const LOG_TAIL_LINES = 40;

export interface RealtimeServerOptions {
  /** The launcher to run: bin/gerbang.js, or its snapshot (see snapshotLauncher). */
  bin: string;
  dataDir: string;
  /** The whole environment of the child (nothing is inherited but PATH). */
  env: Record<string, string>;
  /** When set, the child runs with --cpu-prof and writes its profile here on a graceful stop. */
  cpuProfDir?: string;
}

export interface RealtimeServer extends ServerProcess {
  /** performance.now() when the banner arrived: the mail worker made its first run just before. */
  readonly startedPerf: number;
  /** The child's last lines of output, for error messages. */
  logTail(): string;
}

export async function startRealtimeServer(
  registry: ServerRegistry,
  options: RealtimeServerOptions,
): Promise<RealtimeServer> {
  const nodeArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  // cwd is the DATA_DIR so no developer .env leaks into the measured configuration.
  const child = spawn(process.execPath, [...nodeArgs, options.bin, 'serve'], {
    cwd: options.dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...options.env, PORT: '0', DATA_DIR: options.dataDir },
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
  const server: RealtimeServer = {
    get url() {
      return url;
    },
    get startedPerf() {
      return startedPerf;
    },
    pid: child.pid ?? -1,
    dbFile: join(options.dataDir, 'gerbang.db'),
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
      rmSync(options.dataDir, { recursive: true, force: true });
    },
    logTail: () => tail.join('\n'),
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
