import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EnvOverrides, RunningGerbang, Workspace } from '../helpers/gerbang-process.js';

/**
 * One `gerbang serve` at a time, SIGKILLed at seeded random moments and started again on the same
 * port, as a supervisor (systemd, Docker) restarts a crashed server behind the URL Lynk knows.
 */
export interface CrashLoop {
  url(): string;
  readonly kills: number;
  readonly restarts: number;
  /** How long each restart took until the new process listened (the server is down meanwhile). */
  readonly restartMs: readonly number[];
  /** Every process started, the killed ones too (their output is checked afterwards). */
  readonly processes: readonly RunningGerbang[];
  /** Kills the running server at each point; rejects if one dies on its own or will not start. */
  run(signal: AbortSignal): Promise<void>;
  /** One more SIGKILL, now. */
  killNow(): Promise<void>;
}

export interface CrashLoopOptions {
  workspace: Workspace;
  env: EnvOverrides;
  random: () => number;
  /** How many deliveries are answered so far (the kills are spread over the run by this). */
  progress: () => number;
  /** Kill once progress reaches each of these. */
  killPoints: readonly number[];
}

export async function startCrashLoop(options: CrashLoopOptions): Promise<CrashLoop> {
  const processes: RunningGerbang[] = [await options.workspace.serve(options.env)];
  let kills = 0;
  let restarts = 0;
  const restartMs: number[] = [];
  const current = () => processes[processes.length - 1] as RunningGerbang;
  const killNow = async () => {
    const server = current();
    const ended = server.exitStatus();
    if (ended) throw new Error(`gerbang serve ended on its own (${JSON.stringify(ended)}):\n${tail(server)}`);
    await server.kill();
    kills += 1;
  };
  return {
    url: () => current().url,
    get kills() {
      return kills;
    },
    get restarts() {
      return restarts;
    },
    processes,
    restartMs,
    killNow,
    async run(signal) {
      for (const point of options.killPoints) {
        while (options.progress() < point) {
          if (signal.aborted) return;
          const ended = current().exitStatus();
          if (ended) throw new Error(`gerbang serve ended on its own (${JSON.stringify(ended)}):\n${tail(current())}`);
          await sleep(5);
        }
        // Somewhere among the requests in flight, or right after a restart while the mail worker
        // makes its first claim.
        await sleep(options.random() * 150);
        await killNow();
        // Down for a moment: Lynk's next attempts are refused.
        await sleep(options.random() * 300);
        // A restart on whatever the killed process left half-written (WAL, claimed mail).
        const restarting = Date.now();
        processes.push(await options.workspace.serve(options.env));
        restartMs.push(Date.now() - restarting);
        restarts += 1;
      }
    },
  };
}

function tail(server: RunningGerbang): string {
  const { stdout, stderr } = server.output();
  return `stdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`;
}

/**
 * A free loopback port below the kernel's ephemeral range. Servers of parallel tests bind port 0,
 * which is taken from that range, so none of them can take this one while our server is down
 * (nor the SMTP port while nothing listens on it yet).
 */
export async function portBelowEphemeralRange(random: () => number): Promise<number> {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const top = low && low > 12_000 ? low : 32_768;
  for (let tries = 0; tries < 50; tries++) {
    const port = top - 10_000 + Math.floor(random() * 10_000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port below the ephemeral range');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
