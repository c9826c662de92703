import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkLogLevel, integerFlags } from './options.js';

export const REALTIME_USAGE = `npm run bench:realtime -- [options]
  --streams <n>           concurrent SSE streams, one member each (default 10000)
  --takeovers <n>         takeover logins, each on a distinct member (default 1000)
  --db <dialect>          sqlite or postgres (default sqlite)
  --instances <n>         server processes on one database, 1–4 (default 1; more needs --db postgres).
                          Streams are spread over them; each takeover logs in on another instance
                          than its stream's, so every delivery crosses instances (LISTEN/NOTIFY)
  --pg-url <url>          PostgreSQL for --db postgres, in a fresh schema dropped at the end
                          (default $TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)
  --concurrency <n>       takeover logins in flight (default 4: libuv's four threads run argon2)
  --open-concurrency <n>  stream opens in flight (default 200; Node's listen backlog is 511)
  --idle <s>              idle window for the query count, with and without streams (default 10)
  --heartbeat <s>         the server's REALTIME_HEARTBEAT_SECONDS (default 5: heartbeats fall in the idle window)
  --sync <mode>           SQLITE_SYNCHRONOUS, FULL or NORMAL (default FULL, the server's default)
  --log-level <level>     server LOG_LEVEL (default warn)
  --quiet-wait <s>        before the run and before the takeovers, wait up to s seconds for an idle machine (default 60)
  --json <file>           raw figures (default $TMPDIR/gerbang-realtime-<time>.json: bench/results is not git-ignored)
  --cpu-prof              write a V8 CPU profile of the server child (path printed)
  --heap-snapshot         write a V8 heap snapshot of the first server with every stream open (path
                          printed; summary per stream: node --import tsx bench/heap-snapshot-summary.ts <file> <streams>)`;

export interface RealtimeOptions {
  streams: number;
  takeovers: number;
  db: 'sqlite' | 'postgres';
  instances: number;
  pgUrl: string;
  concurrency: number;
  openConcurrency: number;
  idleS: number;
  heartbeatS: number;
  sync: 'FULL' | 'NORMAL';
  logLevel: string;
  quietWaitS: number;
  jsonFile: string;
  cpuProf: boolean;
  heapSnapshot: boolean;
}

export type ParsedRealtimeOptions = { ok: true; options: RealtimeOptions } | { ok: false; errors: string[] };

/** Reads the flags and lists every problem at once; numbers are bounded so a run always ends. */
export function parseRealtimeOptions(args: string[], startedAt = new Date()): ParsedRealtimeOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      streams: { type: 'string', default: '10000' },
      takeovers: { type: 'string', default: '1000' },
      db: { type: 'string', default: 'sqlite' },
      instances: { type: 'string', default: '1' },
      'pg-url': { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
      concurrency: { type: 'string', default: '4' },
      'open-concurrency': { type: 'string', default: '200' },
      idle: { type: 'string', default: '10' },
      heartbeat: { type: 'string', default: '5' },
      sync: { type: 'string', default: 'FULL' },
      'log-level': { type: 'string', default: 'warn' },
      'quiet-wait': { type: 'string', default: '60' },
      json: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'heap-snapshot': { type: 'boolean', default: false },
    },
  });
  const errors: string[] = [];
  const int = integerFlags(errors);
  const db = values.db === 'sqlite' || values.db === 'postgres' ? values.db : null;
  if (!db) errors.push('--db must be sqlite or postgres');
  const sync = values.sync.toUpperCase();
  if (sync !== 'FULL' && sync !== 'NORMAL') errors.push('--sync must be FULL or NORMAL');
  checkLogLevel(values['log-level'], errors);
  if (!/^postgres(ql)?:\/\//.test(values['pg-url'])) errors.push('--pg-url must be a postgres:// URL');
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const options: RealtimeOptions = {
    streams: int('streams', values.streams, 1, 100_000),
    takeovers: int('takeovers', values.takeovers, 1, 100_000),
    db: db ?? 'sqlite',
    instances: int('instances', values.instances, 1, 4),
    pgUrl: values['pg-url'],
    concurrency: int('concurrency', values.concurrency, 1, 64),
    openConcurrency: int('open-concurrency', values['open-concurrency'], 1, 1000),
    idleS: int('idle', values.idle, 1, 300),
    // The server's own bounds for REALTIME_HEARTBEAT_SECONDS.
    heartbeatS: int('heartbeat', values.heartbeat, 1, 20),
    sync: sync === 'NORMAL' ? 'NORMAL' : 'FULL',
    logLevel: values['log-level'],
    quietWaitS: int('quiet-wait', values['quiet-wait'], 0, 3600),
    jsonFile: values.json ?? join(tmpdir(), `gerbang-realtime-${stamp}.json`),
    cpuProf: values['cpu-prof'],
    heapSnapshot: values['heap-snapshot'],
  };
  if (options.instances > 1 && options.db !== 'postgres')
    errors.push("--instances above 1 needs --db postgres (SQLite is one process's file)");
  if (options.takeovers > options.streams)
    errors.push(`--takeovers ${options.takeovers} needs as many streams (each takeover is on a distinct member)`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, options };
}
