import type { MessagePort } from 'node:worker_threads';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/index.js';
import type { Log } from '../logger.js';

/**
 * The mail worker on SQLite runs in a thread of its own (src/mail-thread.ts, its own bundle
 * dist/mail-thread.js) with its own connection: claiming, rendering, handing mail to SMTP and
 * marking it sent cost about a third of a webhook's CPU, and the second core was idle. This is the
 * server's side of it: start, nudge, stop, and a new thread when one dies. PostgreSQL keeps the
 * in-process MailWorker (its statements wait on the network, not on the event loop).
 */

/** What the thread is started with (its workerData). */
export interface MailThreadData {
  /** The server's config; PUBLIC_URL already carries the real port. */
  config: Config;
  /** The SQLite write gate the thread shares with the server's connection (DatabaseHandle.writeGate). */
  writeGate: SharedArrayBuffer;
}

export type MailThreadRequest = { type: 'nudge' } | { type: 'stop' };
export type MailThreadReply =
  | { type: 'log'; level: LogLevel; args: unknown[] }
  /** The worker stopped and its connection closed: the thread may be ended. */
  | { type: 'stopped' };

type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** Starts the thread running mail-thread.ts with `data` (see startBundledMailThread). */
export type StartMailThread = (data: MailThreadData) => Worker;

/**
 * The server runs as one bundle, dist/gerbang.js, and the thread is a bundle of its own beside it
 * (scripts/build.mjs). Run from the TypeScript sources (tests), Node cannot start a .ts worker by
 * itself: the caller passes a starter that can (test/helpers/mail-thread.ts).
 */
export const startBundledMailThread: StartMailThread = (data) => {
  if (import.meta.url.endsWith('.ts'))
    throw new Error('mail thread: running from source, pass startMailThread (or run the bundle: npm run build)');
  return new Worker(new URL('./mail-thread.js', import.meta.url), { workerData: data });
};

/** The thread's log: each line goes to the server's logger (levels below `level` are dropped here). */
export function forwardingLog(port: MessagePort, level: string): Log {
  const threshold = LEVELS[level] ?? LEVELS.info ?? 30;
  const at =
    (lineLevel: LogLevel) =>
    (...args: unknown[]): void => {
      if ((LEVELS[lineLevel] ?? 0) < threshold) return;
      try {
        port.postMessage({ type: 'log', level: lineLevel, args } satisfies MailThreadReply);
      } catch {
        // Something in the line cannot be copied across threads: send its text instead.
        port.postMessage({ type: 'log', level: lineLevel, args: args.map(String) } satisfies MailThreadReply);
      }
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as Log;
}

export interface MailThreadOptions {
  data: MailThreadData;
  log: Log;
  start?: StartMailThread;
  /** A thread that died is started again after this, doubling up to a minute while it keeps dying. */
  restartDelayMs?: number;
  /** Told when a thread ended without being asked (it may have died holding the write gate). */
  onThreadLost?: () => void;
}

/** How long stop() waits for the run in progress (a slow SMTP send) before ending the thread. */
const STOP_LIMIT_MS = 10_000;
const MAX_RESTART_DELAY_MS = 60_000;
const NUDGE_EVERY_MS = 100;
/** A thread that ran this long counts as healthy again: the next restart waits the base delay. */
const HEALTHY_AFTER_MS = 60_000;

export class MailThread {
  private worker: Worker | null = null;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private restartDelayMs: number;
  private nudgePending = false;
  private lastNudgeAt = 0;
  private startedAt = 0;
  /** Threads started so far (tests read it to see a restart). */
  starts = 0;

  constructor(private readonly options: MailThreadOptions) {
    this.restartDelayMs = options.restartDelayMs ?? 1000;
  }

  start(): void {
    this.stopping = false;
    this.spawn();
  }

  /**
   * New mail was queued. Every stored webhook calls this; a message at most every NUDGE_EVERY_MS is
   * enough (the thread's drain loop waits longer than that before it runs), and each one wakes the
   * thread, which on two cores may take the CPU from this one.
   */
  nudge(): void {
    if (this.nudgePending || !this.worker || this.stopping) return;
    this.nudgePending = true;
    const wait = Math.max(0, this.lastNudgeAt + NUDGE_EVERY_MS - Date.now());
    const post = () => {
      this.nudgePending = false;
      this.lastNudgeAt = Date.now();
      this.worker?.postMessage({ type: 'nudge' } satisfies MailThreadRequest);
    };
    if (wait === 0) setImmediate(post);
    else setTimeout(post, wait).unref();
  }

  /** Lets the run in progress finish (bounded), closes the thread's connection and ends the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const worker = this.worker;
    if (!worker) return;
    const ended = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_LIMIT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      worker.on('message', (m: MailThreadReply) => {
        if (m.type === 'stopped') done();
      });
      worker.once('exit', done);
    });
    worker.postMessage({ type: 'stop' } satisfies MailThreadRequest);
    await ended;
    await worker.terminate();
    this.worker = null;
  }

  private spawn(): void {
    const start = this.options.start ?? startBundledMailThread;
    const worker = start(this.options.data);
    // The server's listener keeps the process alive; stop() ends the thread on shutdown.
    worker.unref();
    this.worker = worker;
    this.starts += 1;
    this.startedAt = Date.now();
    worker.on('message', (m: MailThreadReply) => {
      if (m.type === 'log') (this.options.log[m.level] as (...args: unknown[]) => void)(...m.args);
    });
    worker.on('error', (error) => this.options.log.error({ err: error }, 'mail thread failed'));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      if (this.stopping) return;
      // Mail it had claimed waits for its lease (dev mailbox: its transaction rolled back); a new
      // thread sends it.
      this.options.onThreadLost?.();
      if (Date.now() - this.startedAt >= HEALTHY_AFTER_MS) this.restartDelayMs = this.options.restartDelayMs ?? 1000;
      this.options.log.error(
        { code, restartInMs: this.restartDelayMs },
        'mail thread ended unexpectedly; starting a new one',
      );
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (!this.stopping) this.spawn();
      }, this.restartDelayMs);
      this.restartTimer.unref();
      this.restartDelayMs = Math.min(this.restartDelayMs * 2, MAX_RESTART_DELAY_MS);
    });
  }
}
