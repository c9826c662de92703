import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

/** Makes everything written to the WAL so far durable, without blocking the event loop. */
export type WalSync = () => Promise<void>;

/**
 * fdatasync of the SQLite WAL file on libuv's thread pool. With synchronous=FULL, SQLite fsyncs the
 * WAL inside COMMIT, on the calling thread: better-sqlite3 is synchronous, so the event loop stood
 * still for every fsync (0.1–4 ms on this disk; a fifth of the loop at saturation). A commit made
 * with synchronous=NORMAL has written its frames (a process crash keeps them) but not synced them;
 * this sync, awaited before the answer, adds exactly what FULL adds — the WAL synced after the
 * commit — while the loop serves other requests. fsync works on the inode, so an fd of our own
 * covers SQLite's writes, and one sync covers every commit before it: concurrent callers share one.
 */
export function walSync(walFile: string): WalSync & { close(): void } {
  let fd: number | null = null;
  /** Callers whose commits the running sync may have started before: they wait for the next one. */
  let waiting: (() => void)[] = [];
  let failing: ((error: Error) => void)[] = [];
  let running = false;
  let closing = false;
  const closeFd = (): void => {
    if (fd !== null) closeSync(fd);
    fd = null;
  };

  const start = (): void => {
    running = true;
    const resolves = waiting;
    const rejects = failing;
    waiting = [];
    failing = [];
    try {
      // Opened on first use: the WAL file exists once the first commit wrote it. SQLite removes it
      // only when its last connection closes, and the server's connection stays open meanwhile.
      fd ??= openSync(walFile, 'r');
    } catch (error) {
      running = false;
      for (const reject of rejects) reject(error as Error);
      return;
    }
    fdatasync(fd, (error) => {
      running = false;
      if (closing) closeFd();
      if (error) for (const reject of rejects) reject(error);
      else for (const resolve of resolves) resolve();
      if (waiting.length > 0) start();
    });
  };

  const sync = (() =>
    new Promise<void>((resolve, reject) => {
      waiting.push(resolve);
      failing.push(reject);
      if (!running) start();
    })) as WalSync & { close(): void };
  // A sync under way still uses the fd: it is closed when that one ends.
  sync.close = () => {
    if (running) closing = true;
    else closeFd();
  };
  return sync;
}

/**
 * A blocking fdatasync of one file, for a worker thread (it may block; the server's thread may not).
 * Its connection's COMMIT runs under NORMAL and this syncs the WAL once the write gate is free again,
 * so the server's writes never wait for another thread's fsync; its checkpoints sync the database
 * file with it before they take the gate (see walCheckpointing in connect.ts).
 */
export function fileSyncBlocking(file: string): (() => void) & { close(): void } {
  let fd: number | null = null;
  const sync = (() => {
    fd ??= openSync(file, 'r');
    fdatasyncSync(fd);
  }) as (() => void) & { close(): void };
  sync.close = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
  };
  return sync;
}
