import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import pg from 'pg';

/**
 * The listener, in a process of its own: the bench's event loop reads thousands of streams and its
 * delays (p99 15 ms under load) would stamp notifications late. It stamps each notification with a
 * sub-millisecond wall clock (timeOrigin + performance.now()) and prints `id time` per line. The
 * event's JSON may come from JSON.stringify or from PostgreSQL's json_build_object (`"id" : 1`).
 */
const CHILD = `
const pg = require('pg');
const { performance: clock } = require('node:perf_hooks');
const [url, channel] = process.argv.slice(1);
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
const seen = new Set();
client.on('notification', (message) => {
  const at = clock.timeOrigin + clock.now();
  const payload = message.payload || '';
  const match = payload.startsWith('{') ? /"id"\\s*:\\s*(\\d+)/.exec(payload) : /^(\\d+):/.exec(payload);
  if (match && !seen.has(match[1])) { seen.add(match[1]); process.stdout.write(match[1] + ' ' + at.toFixed(3) + '\\n'); }
});
client.connect().then(() => client.query('listen ' + channel)).then(() => process.stdout.write('ready\\n'),
  (error) => { console.error(error.message); process.exit(1); });
`;

/**
 * A bystander on the instances' NOTIFY channel: when each event's notification reached a
 * listener. It splits a cross-instance delivery in two: from the event's `at` to the notification
 * (the login's transaction, its commit, the NOTIFY) and from the commit's notification to the
 * stream (the receiving instance's work, the socket write, the read here): the realtime delivery
 * proper, which the targets apply to across instances.
 */
export class NotifyWatch {
  /** Event id → wall time in ms (fractional) when its notification arrived at the bystander. */
  readonly arrivals = new Map<string, number>();
  private constructor(private readonly child: ChildProcess) {}

  static async start(url: string, schema: string): Promise<NotifyWatch> {
    // The channel the server names after its schema (src/realtime/postgres-channel.ts).
    const channel = pg.escapeIdentifier(`gerbang_realtime_${schema}`.slice(0, 63));
    const child = spawn(process.execPath, ['-e', CHILD, url, channel], { stdio: ['ignore', 'pipe', 'inherit'] });
    const watch = new NotifyWatch(child);
    const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`NOTIFY watcher exited (${code})`)));
      lines.on('line', (line) => {
        if (line === 'ready') return resolve();
        const [id, at] = line.split(' ');
        if (id && at) watch.arrivals.set(id, Number(at));
      });
    });
    await ready;
    return watch;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill();
    await once(this.child, 'exit');
  }
}
