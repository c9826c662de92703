export interface StreamLimits {
  /** Streams one session may hold open at once. */
  perSession: number;
  /** Streams one client IP may hold open at once (all its sessions together). */
  perIp: number;
}

/** What a refused stream is told: which cap it hit. */
export type StreamAdmission = { admitted: true; release: () => void } | { admitted: false; cap: 'session' | 'ip' };

/**
 * Counts the event streams open at once per session and per client IP, so that one session (or
 * one address with many sessions) cannot hold thousands of sockets, each with its heartbeat
 * writes and bus listener. A browser needs one stream (tabs share it through the client's Web
 * Lock leader); a browser without Web Locks opens one per tab, hence a handful per session.
 * Counts are this instance's: behind a balancer each instance caps its own streams, so a client
 * may hold up to the cap on every instance.
 */
export class StreamQuota {
  private readonly bySession = new Map<string, number>();
  private readonly byIp = new Map<string, number>();

  constructor(private readonly limits: StreamLimits) {}

  /** Takes a slot for a stream of `sessionId` from `ip`; `release` gives it back (once, however often called). */
  admit(sessionId: string, ip: string): StreamAdmission {
    if ((this.bySession.get(sessionId) ?? 0) >= this.limits.perSession) return { admitted: false, cap: 'session' };
    if ((this.byIp.get(ip) ?? 0) >= this.limits.perIp) return { admitted: false, cap: 'ip' };
    increment(this.bySession, sessionId);
    increment(this.byIp, ip);
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        decrement(this.bySession, sessionId);
        decrement(this.byIp, ip);
      },
    };
  }
}

function increment<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Down by one; a key at zero is dropped, so the maps hold only what is open. */
function decrement<K>(counts: Map<K, number>, key: K): void {
  const left = (counts.get(key) ?? 0) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}
