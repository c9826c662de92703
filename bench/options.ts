import { parseArgs } from 'node:util';

export const BENCH_USAGE = `npm run bench:webhooks -- [options]
  --duration <s>        seconds per measured phase (default 15)
  --rate <n>            scenario A: requests per second (default 200)
  --connections <list>  scenario B: connection counts, comma-separated (default 16,32,64)
  --sync <mode>         FULL, NORMAL or both (default both; FULL is the server's default)
  --scenario <name>     A, B or both (default both)
  --warmup <n>          unmeasured requests per fresh server first (default 2000)
  --pool <n>            pre-signed payments per server run (default 100000)
  --repeat <n>          run everything n times (default 1)
  --log-level <level>   server LOG_LEVEL (default warn)
  --quiet-wait <s>      before each run, wait up to s seconds for the machine to be idle (default 60)
  --cpu-prof            write a V8 CPU profile of each server child (path printed)`;

export interface BenchOptions {
  durationS: number;
  rate: number;
  connections: number[];
  syncModes: ('FULL' | 'NORMAL')[];
  scenarios: ('A' | 'B')[];
  warmup: number;
  pool: number;
  repeat: number;
  logLevel: string;
  quietWaitS: number;
  cpuProf: boolean;
}

export type ParsedOptions = { ok: true; options: BenchOptions } | { ok: false; errors: string[] };

/** Reads the flags and lists every problem at once; all numbers are bounded so a run always ends. */
export function parseBenchOptions(args: string[]): ParsedOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      duration: { type: 'string', default: '15' },
      rate: { type: 'string', default: '200' },
      connections: { type: 'string', default: '16,32,64' },
      sync: { type: 'string', default: 'both' },
      scenario: { type: 'string', default: 'both' },
      warmup: { type: 'string', default: '2000' },
      pool: { type: 'string', default: '100000' },
      repeat: { type: 'string', default: '1' },
      'log-level': { type: 'string', default: 'warn' },
      'quiet-wait': { type: 'string', default: '60' },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
  const errors: string[] = [];
  const int = integerFlags(errors);
  const options: BenchOptions = {
    durationS: int('duration', values.duration, 1, 300),
    rate: int('rate', values.rate, 1, 50_000),
    connections: values.connections.split(',').map((c) => int('connections', c.trim(), 1, 1024)),
    syncModes: pick('sync', values.sync, ['FULL', 'NORMAL'] as const, errors),
    scenarios: pick('scenario', values.scenario, ['A', 'B'] as const, errors),
    warmup: int('warmup', values.warmup, 0, 1_000_000),
    pool: int('pool', values.pool, 1000, 2_000_000),
    repeat: int('repeat', values.repeat, 1, 10),
    logLevel: values['log-level'],
    quietWaitS: int('quiet-wait', values['quiet-wait'], 0, 3600),
    cpuProf: values['cpu-prof'],
  };
  checkLogLevel(options.logLevel, errors);
  const pacedNeed = options.warmup + options.rate * options.durationS;
  if (options.scenarios.includes('A') && pacedNeed > options.pool)
    errors.push(`--pool ${options.pool} is too small for scenario A (needs warmup + rate × duration = ${pacedNeed})`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, options };
}

function pick<T extends string>(name: string, raw: string, allowed: readonly T[], errors: string[]): T[] {
  if (raw.toLowerCase() === 'both') return [...allowed];
  const hit = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
  if (hit) return [hit];
  errors.push(`--${name} must be ${allowed.join(', ')} or both`);
  return [];
}

/** A reader of bounded integer flags that lists each bad value in `errors` (every bench's options). */
export function integerFlags(errors: string[]) {
  return (name: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) errors.push(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function checkLogLevel(level: string, errors: string[]): void {
  if (!LOG_LEVELS.includes(level)) errors.push('--log-level must be a pino level (warn, error, info, …)');
}
