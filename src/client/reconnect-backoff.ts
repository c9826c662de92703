/** Reconnect timing of the realtime stream (the old realtime.js values) and the resume URL. */
export interface BackoffOptions {
  initialMs: number;
  factor: number;
  maxMs: number;
}

// The old realtime.js values: 3 s, × 1.5 per failed attempt, at most 30 s. 3 s also matches `retry: 3000`.
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 3000, factor: 1.5, maxMs: 30_000 };

/** Delays between reconnect attempts: 3000, 4500, 6750, … 30000; back to 3000 after a successful open. */
export class ReconnectBackoff {
  private readonly options: BackoffOptions;
  private current: number;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF) {
    this.options = options;
    this.current = options.initialMs;
  }

  /** The delay before the next attempt; each call lengthens the one after. */
  next(): number {
    const delay = this.current;
    this.current = Math.min(this.current * this.options.factor, this.options.maxMs);
    return delay;
  }

  reset(): void {
    this.current = this.options.initialMs;
  }
}

/** The stream URL, resuming after `lastEventId` when one was seen. */
export function streamUrl(base: string, lastEventId: string): string {
  if (lastEventId === '') return base;
  return `${base}${base.includes('?') ? '&' : '?'}lastEventId=${encodeURIComponent(lastEventId)}`;
}
