import { availableParallelism } from 'node:os';

/**
 * How many argon2 computations one process runs at once: one core fewer than the machine has, and
 * one thread fewer than libuv's pool (4 unless UV_THREADPOOL_SIZE says otherwise), at least one.
 *
 * A hash costs tens of milliseconds of one core on a pool thread. Unbounded, four logins at once on
 * a 2-core machine take both cores and every pool thread: the event loop (webhooks, license checks,
 * the deliveries on event streams), PostgreSQL and file reads on the pool then wait behind hashing.
 * Measured with `npm run bench:realtime -- --instances 2 --db postgres` (four logins in flight, two
 * alternating pairs): the old device heard its takeover p50 7 / p99 25 ms after it began with one
 * hash at a time per instance, p50 12–13 / p99 30–32 ms with four, for 10 % fewer logins per second
 * (docs/BENCHMARKS.md). Logins beyond the slots wait their turn, in order.
 */
export function hashSlotCount(
  cores = availableParallelism(),
  poolThreads = Number(process.env.UV_THREADPOOL_SIZE) || 4,
): number {
  return Math.max(1, Math.min(cores - 1, poolThreads - 1));
}

/** At most `size` tasks run at once; the others start in the order they came as slots free up. */
export class Slots {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`Slots: size must be a positive integer, not ${size}`);
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Runs `task` in a slot, waiting for one while all are taken. `ahead` puts it at the head of the
   * queue: for work that holds something others wait for meanwhile (a database transaction).
   */
  async run<T>(task: () => Promise<T>, { ahead = false } = {}): Promise<T> {
    if (this.running < this.size) this.running += 1;
    // The slot is handed over by the task that frees it, so `running` never drops between the two.
    else
      await new Promise<void>((resolve) => {
        if (ahead) this.queue.unshift(resolve);
        else this.queue.push(resolve);
      });
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  /** As run, unless every slot is taken and `maxWaiting` tasks wait already: then null, and `task` never runs. */
  runUnlessQueued<T>(task: () => Promise<T>, maxWaiting: number): Promise<T> | null {
    return this.running >= this.size && this.queue.length >= maxWaiting ? null : this.run(task);
  }
}
