import type { TouchWriter } from './touch-writer.js';

/**
 * How long validations' "last validated" times wait in memory before one batch writes them: short
 * while they come at a moderate rate, a second once they come at BUSY_RATE or faster. Measured with
 * `npm run bench:licenses` (SQLite, FULL): at 1,000 validations/s paced, batches a second apart put
 * the p99 at 23 ms and batches 100 ms apart at 6.7–7.0 ms; at saturation the 100 ms batches cost
 * 15–35 % of the rate (4,126–4,610/s against 4,877–7,026/s in three alternating pairs): every batch
 * another connection commits empties the server connection's page cache.
 */
export const FLUSH_DELAY_MS = 100;
export const BUSY_FLUSH_DELAY_MS = 1000;
/** Touches per second from which batches are written a second apart. */
export const BUSY_RATE = 3000;

/**
 * last_validated_at, written behind: the validate endpoint only notes which activations it saw
 * (at most once a minute each, see VALIDATION_TOUCH_MS), and one batch every 100 ms to 1 s writes
 * them all. A write per validation would put a commit (on SQLite an fsync, which blocks the event loop:
 * better-sqlite3 is synchronous) on the hottest path for a column that is bookkeeping, not a
 * rule. Lost on a crash: at most the last second's times, which only make "last seen" older.
 */
export class ValidationTouches {
  private pending = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** The wait before the next batch (FLUSH_DELAY_MS or BUSY_FLUSH_DELAY_MS), from the last batch's rate. */
  private delay = FLUSH_DELAY_MS;

  constructor(
    private readonly writer: TouchWriter,
    private readonly onError: (error: unknown) => void,
  ) {}

  record(activationId: number, at: number): void {
    this.pending.set(activationId, at);
    // An idle server holds no timer and runs no queries.
    this.timer ??= setTimeout(() => void this.flush(), this.delay);
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
    // The batch gathered over `delay`: its rate picks the next wait.
    this.delay = (touches.size * 1000) / this.delay >= BUSY_RATE ? BUSY_FLUSH_DELAY_MS : FLUSH_DELAY_MS;
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
