export interface LicenseApiLimits {
  windowMs: number;
  maxPerIp: number;
  maxPerKey: number;
}

export type LicenseApiDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Window {
  startedAt: number;
  count: number;
}

/** Counters kept at most; beyond it the oldest windows are dropped first (a flood of spoofed IPs). */
const MAX_COUNTERS = 200_000;

/**
 * Fixed windows, per client IP (one client flooding) and per key (many IPs trying one key), counted
 * before any work. Unlike the login limits these live in memory, on purpose: validation is the
 * API's hot path (a seller's app checks at every start), and a counter upsert per request was its
 * main cost — a write, and on SQLite a commit, per validation (docs/BENCHMARKS.md, licenses). What
 * is given up: counts reset on restart and each instance counts for itself, so N instances allow
 * N × the limit. That is acceptable here: keys carry 80 random bits, so guessing fails on entropy,
 * not on the limiter; the limiter only keeps one client from hogging the server.
 */
export class LicenseApiLimiter {
  // Insertion order is window-start order (a restarted window is re-inserted), so the front is oldest.
  private readonly windows = new Map<string, Window>();

  constructor(private readonly limits: LicenseApiLimits) {}

  /** Counts one request of `ip` naming `key` (null: a body without a usable key counts per IP only). */
  consume(ip: string, key: string | null, now: number): LicenseApiDecision {
    this.evict(now);
    const byIp = this.hit(`ip:${ip}`, now);
    const byKey = key === null ? null : this.hit(`key:${key}`, now);
    let retryAfterMs = 0;
    if (byIp.count > this.limits.maxPerIp) retryAfterMs = byIp.startedAt + this.limits.windowMs - now;
    if (byKey && byKey.count > this.limits.maxPerKey)
      retryAfterMs = Math.max(retryAfterMs, byKey.startedAt + this.limits.windowMs - now);
    return retryAfterMs > 0 ? { allowed: false, retryAfterMs: Math.max(1000, retryAfterMs) } : { allowed: true };
  }

  get size(): number {
    return this.windows.size;
  }

  private hit(name: string, now: number): Window {
    const current = this.windows.get(name);
    if (current && current.startedAt > now - this.limits.windowMs && current.startedAt <= now) {
      current.count += 1;
      return current;
    }
    const fresh = { startedAt: now, count: 1 };
    this.windows.delete(name);
    this.windows.set(name, fresh);
    return fresh;
  }

  /** Drops windows that ended (from the front, oldest first), and the oldest beyond the cap. */
  private evict(now: number): void {
    for (const [name, window] of this.windows) {
      const over = this.windows.size >= MAX_COUNTERS;
      if (!over && window.startedAt > now - this.limits.windowMs) break;
      this.windows.delete(name);
    }
  }
}
