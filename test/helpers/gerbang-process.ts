import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialect } from '../../src/db/index.js';
import { createMigrationSchema } from './postgres.js';

/**
 * Runs the real `gerbang` command (bin/gerbang.js → dist/gerbang.js, built by `pretest`) as a child
 * process with a clean environment, the way an operator types it.
 */

const BIN = fileURLToPath(new URL('../../bin/gerbang.js', import.meta.url));

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type EnvOverrides = Record<string, string | undefined>;

export interface RunningGerbang {
  /** From the banner line "Gerbang berjalan di <url>". */
  url: string;
  output(): { stdout: string; stderr: string };
  /** Sends the signals and waits (bounded) for the exit code; a server that does not stop is killed and fails. */
  stop(signals?: NodeJS.Signals[]): Promise<number | null>;
  /** SIGKILL if still running (cleanup after a failed test). */
  kill(): Promise<void>;
  /** Null while it runs; else how it ended (an exit nobody asked for is a crash of its own). */
  exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | null;
}

export interface Workspace {
  /** A temp folder used as the working directory (where `.env` is read) and, below it, DATA_DIR. */
  dir: string;
  dataDir: string;
  /** PATH, DATA_DIR, NODE_ENV=test, LOG_LEVEL=warn, PORT=0 and, for PostgreSQL, DATABASE_URL to a fresh schema. */
  env: Record<string, string>;
  /** Runs `gerbang <args>` here; an override of `undefined` removes that variable. */
  run(args: string[], overrides?: EnvOverrides): Promise<CommandResult>;
  /** `gerbang serve [args]` here. */
  serve(overrides?: EnvOverrides, args?: string[]): Promise<RunningGerbang>;
  /** Kills servers a failed test left behind, drops the schema, removes the folder. */
  close(): Promise<void>;
}

/** A fresh working folder (and PostgreSQL schema) per suite; nothing from the developer's shell leaks in. */
export async function createWorkspace(dialect: Dialect = 'sqlite'): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), 'gerbang-cli-'));
  const dataDir = join(dir, 'data');
  // `gerbang` migrates a fresh database with Kysely's migrator: a schema where none is dropped.
  const schema = dialect === 'postgres' ? await createMigrationSchema() : null;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    DATA_DIR: dataDir,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PORT: '0',
    ...(schema ? { DATABASE_URL: schema.url } : {}),
  };
  const withOverrides = (overrides: EnvOverrides = {}) => {
    const merged: Record<string, string> = { ...env };
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete merged[name];
      else merged[name] = value;
    }
    return merged;
  };
  const servers: RunningGerbang[] = [];
  return {
    dir,
    dataDir,
    env,
    run: (args, overrides) => runGerbang(args, { env: withOverrides(overrides), cwd: dir }),
    async serve(overrides, args) {
      const server = await serveGerbang({ env: withOverrides(overrides), cwd: dir, ...(args ? { args } : {}) });
      servers.push(server);
      return server;
    },
    async close() {
      await Promise.all(servers.map((s) => s.kill()));
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one command to its end (bounded: a hung command fails the test instead of the suite). */
export function runGerbang(
  args: string[],
  options: { env: Record<string, string>; cwd: string; timeoutMs?: number; input?: string },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: options.env });
    // What the operator pipes in (a password for --password-stdin).
    if (options.input !== undefined) child.stdin.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gerbang ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `gerbang serve`, resolved once the banner names the URL it listens on. */
export function serveGerbang(options: {
  env: Record<string, string>;
  cwd: string;
  args?: string[];
}): Promise<RunningGerbang> {
  const child = spawn(process.execPath, [BIN, 'serve', ...(options.args ?? [])], {
    cwd: options.cwd,
    env: options.env,
  });
  let stdout = '';
  let stderr = '';
  let ended: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => {
      ended = { code, signal };
      resolve(code);
    });
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gerbang serve printed no banner in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 20_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gerbang serve exited with ${code} before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const url = /Gerbang berjalan di (http:\/\/\S+)/.exec(stdout)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({
        url,
        output: () => ({ stdout, stderr }),
        async stop(signals = ['SIGTERM']) {
          for (const signal of signals) child.kill(signal);
          let timeout: NodeJS.Timeout | undefined;
          const deadline = new Promise<'timeout'>((r) => {
            timeout = setTimeout(() => r('timeout'), 8_000);
          });
          const code = await Promise.race([exited, deadline]);
          clearTimeout(timeout);
          if (code !== 'timeout') return code;
          child.kill('SIGKILL');
          throw new Error(
            `gerbang serve did not stop after ${signals.join(', ')}\nstdout: ${stdout}\nstderr: ${stderr}`,
          );
        },
        async kill() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGKILL');
          await exited;
        },
        exitStatus: () => ended,
      });
    });
  });
}

/** Polls until `probe` returns a value; past the deadline, fails naming what it waited for. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
  intervalMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The command's stdout as a JSON array of objects, or a failure naming what came back instead. */
export function jsonRows(result: CommandResult): Record<string, unknown>[] {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  const parsed: unknown = JSON.parse(result.stdout);
  if (!Array.isArray(parsed)) throw new Error(`expected a JSON array, got: ${result.stdout.slice(0, 200)}`);
  for (const row of parsed)
    if (row === null || typeof row !== 'object' || Array.isArray(row))
      throw new Error(`expected objects in the array, got: ${JSON.stringify(row)}`);
  return parsed as Record<string, unknown>[];
}

/** A loopback port nobody listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
