/**
 * When an outbox worker runs (the mail outbox, the outgoing-webhook outbox): soon after a nudge
 * (something was just queued; NUDGE_DELAY_MS lets one run serve a burst), when the next stored
 * retry falls due, and otherwise only at a safety poll for rows queued by another process. An idle
 * server therefore runs no queries. Runs never overlap: a nudge during a run asks for one more.
 */
export interface DrainLoopOptions {
  /** One run: sends everything due now. */
  drain: () => Promise<unknown>;
  /** After a run: the epoch ms of the next stored due time, or null when nothing waits. */
  nextDueAt: () => Promise<number | null>;
  /** The runtime's clock, which the stored due times use. */
  now: () => number;
  /** The safety poll. */
  pollMs: number;
  /** A failed run is logged and the loop goes on. */
  onError: (error: unknown) => void;
  /** How long a nudge waits so that one run serves a burst (default NUDGE_DELAY_MS). */
  nudgeDelayMs?: number;
}

const NUDGE_DELAY_MS = 50;

export class DrainLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  /** When the pending timer fires (wall clock; only for coalescing nudges). */
  private timerDue = Number.POSITIVE_INFINITY;
  /** Counts stop() calls, so a run can tell "stopped while I ran" from "never started". */
  stops = 0;

  private readonly nudgeDelayMs: number;

  constructor(private readonly options: DrainLoopOptions) {
    this.nudgeDelayMs = options.nudgeDelayMs ?? NUDGE_DELAY_MS;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stops += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Run soon; never postpones a run already due sooner, so continuous nudges cannot starve it. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else if (this.timerDue > Date.now() + this.nudgeDelayMs) this.schedule(this.nudgeDelayMs);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerDue = Number.POSITIVE_INFINITY;
      let idleFor = this.options.pollMs;
      this.running = this.options
        .drain()
        .then(async () => {
          const due = await this.options.nextDueAt();
          // Wall clock for the timer; the runtime's clock for the stored times (they agree outside tests).
          if (due !== null) idleFor = Math.min(idleFor, Math.max(0, due - this.options.now()) + 5);
        })
        .catch(this.options.onError)
        .finally(() => {
          this.running = null;
          const more = this.again;
          this.again = false;
          this.schedule(more ? this.nudgeDelayMs : idleFor);
        });
    }, delay);
    this.timer.unref?.();
  }
}
