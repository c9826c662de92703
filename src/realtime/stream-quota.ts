export interface StreamLimits {
  /** Streams one session may hold open at once. */
  perSession: number;
  /** Streams one client IP may hold open at once (all its sessions together). */
  perIp: number;
}

/** Which cap a refused stream hit. */
export type StreamCap = 'session' | 'ip';

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

  /** Takes a slot for a stream of `sessionId` from `ip`: null when taken, else the cap that refused it. */
  admit(sessionId: string, ip: string): StreamCap | null {
    if ((this.bySession.get(sessionId) ?? 0) >= this.limits.perSession) return 'session';
    if ((this.byIp.get(ip) ?? 0) >= this.limits.perIp) return 'ip';
    increment(this.bySession, sessionId);
    increment(this.byIp, ip);
    return null;
  }

  /**
   * Gives an admitted stream's slot back, once per admission (the stream hub closes a stream once).
   * No closure per stream: thousands of open streams each keep only their session id and address.
   */
  release(sessionId: string, ip: string): void {
    decrement(this.bySession, sessionId);
    decrement(this.byIp, ip);
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
