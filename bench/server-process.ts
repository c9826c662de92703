import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real server (`node bin/gerbang.js serve`, the built bundle) as a child process, so the load
 * generator and the server never share an event loop. Every run gets a fresh DATA_DIR.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;
const LOG_TAIL_LINES = 40;

export interface ServerOptions {
  /** The launcher to run: bin/gerbang.js, or its snapshot (see snapshotLauncher). */
  bin: string;
  sync: 'FULL' | 'NORMAL';
  merchantKey: string;
  logLevel: string;
  /** When set, the child runs with --cpu-prof and writes its profile here on a graceful stop. */
  cpuProfDir?: string;
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readonly dbFile: string;
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
 * run: all runs must use one build. This copies bin/gerbang.js and the bundle `npm run build` just
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
  copyFileSync(bundle, join(dir, 'dist', 'gerbang.js'));
  if (existsSync(`${bundle}.map`)) copyFileSync(`${bundle}.map`, join(dir, 'dist', 'gerbang.js.map'));
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
  const dataDir = mkdtempSync(join(tmpdir(), 'gerbang-bench-'));
  const port = await freePort();
  const nodeArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  // cwd is the temp dir so no developer .env leaks into the measured configuration.
  const child = spawn(process.execPath, [...nodeArgs, options.bin, 'serve'], {
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: dataDir,
      LOG_LEVEL: options.logLevel,
      SQLITE_SYNCHRONOUS: options.sync,
      LYNK_MERCHANT_KEY: options.merchantKey,
      COOKIE_SECRET: 'bench-cookie-secret-0123456789abcdef0123456789',
    },
  });
  const tail: string[] = [];
  const keepTail = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') tail.push(line);
    tail.splice(0, Math.max(0, tail.length - LOG_TAIL_LINES));
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const pid = child.pid ?? -1;
  let disposed = false;
  const server: ServerProcess = {
    url: `http://127.0.0.1:${port}`,
    pid,
    dbFile: join(dataDir, 'gerbang.db'),
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

  const ready = await waitForReady(server.url, () => !isRunning(child));
  if (!ready) {
    registry.release(server);
    throw new Error(`server did not become ready in ${READY_TIMEOUT_MS} ms. Its last output:\n${tail.join('\n')}`);
  }
  return server;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function waitForReady(url: string, hasExited: () => boolean): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !hasExited()) {
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** Asks the kernel for a free port. Another process could take it before the child binds: unlikely here. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
