/**
 * Which thread may write to the SQLite file next. SQLite has one writer at a time; a second writer
 * meets SQLITE_BUSY and its busy handler sleeps (1, 2, 5, 10 … ms) on the calling thread. On the
 * server's thread that sleep stops every request; so the threads with a connection of their own
 * (the mail worker's) take this gate around their write transactions, and the server's thread
 * waits for it without blocking: a batch of webhooks queues up meanwhile and commits as one.
 *
 * Advisory only: SQLite's own locking (busy_timeout) still decides, so a gate left held by a thread
 * that died, or another process writing (the CLI), costs at most a wait, never correctness.
 */

/** Node 20 has it (V8); TypeScript lists it only from lib es2024 on. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
      timeoutMs: number,
    ): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

/** The shared word: 0 free, else the holder's side. */
const FREE = 0;
export type WriteSide = 1 | 2;
export const SERVER_SIDE: WriteSide = 1;
export const WORKER_SIDE: WriteSide = 2;

export class WriteGate {
  private readonly word: Int32Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly side: WriteSide,
    /** The longest wait, after which the writer goes ahead and leaves it to SQLite's busy handling. */
    private readonly maxWaitMs: number,
  ) {
    this.word = new Int32Array(buffer);
  }

  static create(maxWaitMs: number): WriteGate {
    return new WriteGate(new SharedArrayBuffer(4), SERVER_SIDE, maxWaitMs);
  }

  /** Held by this side (by whichever of its transactions). */
  get held(): boolean {
    return Atomics.load(this.word, 0) === this.side;
  }

  private tryEnter(): number {
    return Atomics.compareExchange(this.word, 0, FREE, this.side);
  }

  /** Blocks this thread until the gate is ours (for threads that may block, and short writes). */
  enterSync(): boolean {
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const holder = this.tryEnter();
      if (holder === FREE) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.word, 0, holder, left);
    }
  }

  /** Waits without blocking the event loop. */
  async enterAsync(): Promise<boolean> {
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const holder = this.tryEnter();
      if (holder === FREE) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await waitAsync(this.word, 0, holder, left).value;
    }
  }

  leave(): void {
    if (Atomics.compareExchange(this.word, 0, this.side, FREE) === this.side) Atomics.notify(this.word, 0);
  }

  /** The other side died holding it (a worker thread that crashed): free it for everyone. */
  releaseFor(side: WriteSide): void {
    if (Atomics.compareExchange(this.word, 0, side, FREE) === side) Atomics.notify(this.word, 0);
  }
}
