import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/index.js';
import type { RealtimeBus } from './bus.js';
import { notifyChannel, notifyPayload } from './postgres-channel.js';

export interface PublishingBus extends RealtimeBus {
  /** Resolves when every NOTIFY sent so far has run (a short-lived process awaits it before exiting). */
  drain(): Promise<void>;
}

/**
 * A publish-only bus for processes that hold no streams (the CLI): after its commit, a change made
 * from the shell NOTIFYs the servers' instances on the same channel as theirs, so a `gerbang
 * licenses revoke` closes the member's open page live. Nobody listens here: subscribe is inert.
 */
export function createNotifyPublisher(db: Kysely<Database>): PublishingBus {
  const channel = notifyChannel(db);
  const pending = new Set<Promise<void>>();
  return {
    publish(events) {
      if (events.length === 0) return;
      const payloads = events.map(notifyPayload);
      const sent: Promise<void> = channel
        .then((name) => sql`select pg_notify(${name}, payload) from unnest(${payloads}::text[]) as payload`.execute(db))
        .then(() => {})
        .finally(() => pending.delete(sent));
      pending.add(sent);
    },
    subscribe: () => () => {},
    async drain() {
      await Promise.all(pending);
    },
    async close() {
      await Promise.all(pending);
    },
  };
}
