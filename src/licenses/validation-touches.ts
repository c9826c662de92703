import type { TouchWriter } from './touch-writer.js';

/** How long validations' "last validated" times wait in memory before one batch writes them. */
const FLUSH_DELAY_MS = 1000;

/**
 * last_validated_at, written behind: the validate endpoint only notes which activations it saw
 * (at most once a minute each, see VALIDATION_TOUCH_MS), and one batch per second writes them
 * all. A write per validation would put a commit (on SQLite an fsync, which blocks the event loop:
 * better-sqlite3 is synchronous) on the hottest path for a column that is bookkeeping, not a
 * rule. Lost on a crash: at most the last second's times, which only make "last seen" older.
 */
export class ValidationTouches {
  private pending = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly writer: TouchWriter,
    private readonly onError: (error: unknown) => void,
  ) {}

  record(activationId: number, at: number): void {
    this.pending.set(activationId, at);
    // An idle server holds no timer and runs no queries.
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
    this.timer.unref();
  }

  /** Writes what is pending now (also called on close). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushing;
    if (this.pending.size === 0) return;
    const touches = this.pending;
    this.pending = new Map();
    this.flushing = this.writer.write(touches).catch(this.onError);
    await this.flushing;
    this.flushing = null;
  }

  /** Writes what is pending, then closes the writer. */
  async close(): Promise<void> {
    await this.flush();
    await this.writer.close();
  }
}
