import type { RealtimeEvent } from './events.js';

export type RealtimeListener = (event: RealtimeEvent) => void;

/**
 * Fan-out of committed events to the streams that want them. In one process a Map suffices; with
 * several instances on one PostgreSQL the same interface is backed by LISTEN/NOTIFY. Publishers
 * call publish() only after their transaction committed, so a stream never announces a change a
 * rollback undid.
 */
export interface RealtimeBus {
  publish(events: readonly RealtimeEvent[]): void;
  /** Listens for one member's events; returns the unsubscribe function. */
  subscribe(memberId: number, listener: RealtimeListener): () => void;
  close(): Promise<void>;
}

export function createMemoryBus(): RealtimeBus {
  const listeners = new Map<number, Set<RealtimeListener>>();
  return {
    publish(events) {
      for (const event of events) {
        const set = listeners.get(event.memberId);
        if (!set) continue;
        // A copy: a listener may unsubscribe (its stream ends) while we iterate.
        for (const listener of [...set]) listener(event);
      }
    },
    subscribe(memberId, listener) {
      let set = listeners.get(memberId);
      if (!set) {
        set = new Set();
        listeners.set(memberId, set);
      }
      set.add(listener);
      return () => {
        const current = listeners.get(memberId);
        if (!current) return;
        current.delete(listener);
        if (current.size === 0) listeners.delete(memberId);
      };
    },
    async close() {
      listeners.clear();
    },
  };
}
