import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { RealtimeBus } from './bus.js';
import { wasNotifiedAtCommit } from './events.js';
import { notifyEvents } from './postgres-channel.js';

export interface PublishingBus extends RealtimeBus {
  /** Resolves when every NOTIFY sent so far has run (a short-lived process awaits it before exiting). */
  drain(): Promise<void>;
}

/**
 * A publish-only bus for processes that hold no streams (the CLI): a change made from the shell
 * NOTIFYs the servers' instances on the same channel as theirs, so a `gerbang licenses revoke`
 * closes the member's open page live. Events recorded in the CLI's transaction went out with its
 * commit; any other is notified here, after the commit. Nobody listens here: subscribe is inert.
 */
export function createNotifyPublisher(db: Kysely<Database>): PublishingBus {
  const pending = new Set<Promise<void>>();
  return {
    publish(events) {
      const late = events.filter((e) => !wasNotifiedAtCommit(e));
      if (late.length === 0) return;
      const sent: Promise<void> = notifyEvents(db, late).finally(() => pending.delete(sent));
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
