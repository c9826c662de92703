import type { Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from '../db/index.js';
import type { Log } from '../logger.js';
import type { RealtimeBus } from './bus.js';
import { createMemoryBus } from './bus.js';
import type { RealtimeEvent } from './events.js';
import { toEvent, wasNotifiedAtCommit } from './events.js';
import { notifyChannel, notifyEvents, parseNotifyPayload, RecentIds } from './postgres-channel.js';

export interface PostgresBusOptions {
  /** DATABASE_URL: the LISTEN connection is a client of its own, outside the pool. */
  url: string;
  /** The pool: NOTIFY, the fetch of a notified row and the catch-up run there (and are counted). */
  db: Kysely<Database>;
  log: Log;
  /** Called once each time the LISTEN connection is lost (the server ends its streams). */
  onListenLost?: () => void;
  /** Reconnect back-off: first delay, doubled per failed attempt up to the maximum. */
  backoff?: { initialMs: number; maxMs: number };
}

const DEFAULT_BACKOFF = { initialMs: 100, maxMs: 5000 };
/** Rows per catch-up query after a reconnect. */
const CATCH_UP_PAGE = 500;
/**
 * Serial ids are handed out at INSERT but become visible at COMMIT, so a lower id can commit after a
 * higher one was seen. The catch-up therefore looks this many ids back and skips the ones it saw.
 */
const CATCH_UP_SLACK = 256;

export interface PostgresBus extends RealtimeBus {
  /** Whether the LISTEN connection is up (tests wait for a reconnect with it). */
  readonly listening: boolean;
}

/**
 * The realtime bus across instances: every instance LISTENs on one channel, publishers NOTIFY the
 * event itself after their commit, and an instance holding a stream of that member writes it
 * without a query (a fetch by id would cost a pool round trip, and a wait for a free connection,
 * on the receiving side of every delivery). An event too big for NOTIFY's 8,000 bytes travels as
 * `id:memberId` and only an instance holding a stream of that member fetches the row by id. Events published here
 * reach local streams at once, without the round trip. Streams never poll: with no events, no
 * statement runs. A lost LISTEN connection is re-opened with back-off, and what was committed
 * meanwhile is read back from realtime_events (id > last seen).
 */
export async function createPostgresBus(options: PostgresBusOptions): Promise<PostgresBus> {
  const { db, log } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const local = createMemoryBus();
  const subscribers = new Map<number, number>();
  const seen = new RecentIds();
  const channel = await notifyChannel(db);
  let client: pg.Client | null = null;
  let closed = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  /** Ids at or below this predate the bus: never caught up. */
  let floor = 0;
  let wanted: number[] = [];

  const deliver = (event: RealtimeEvent) => {
    if (!seen.add(event.id)) return;
    local.publish([event]);
  };

  const fetchWanted = async () => {
    const ids = wanted;
    wanted = [];
    const rows = await db.selectFrom('realtime_events').selectAll().where('id', 'in', ids).orderBy('id').execute();
    for (const row of rows) deliver(toEvent(row));
  };

  const onNotification = (message: pg.Notification) => {
    const parsed = parseNotifyPayload(message.payload ?? '');
    if (!parsed) return;
    if ('event' in parsed) {
      // The event travelled in the notification: no query, written to its streams at once.
      if (subscribers.has(parsed.event.memberId)) deliver(parsed.event);
      else seen.add(parsed.event.id);
      return;
    }
    const { id, memberId } = parsed;
    if (seen.has(id)) return;
    if (!subscribers.has(memberId)) {
      seen.add(id);
      return;
    }
    // Too big for a notification: fetched by id. Those of one burst arrive together, one query for all.
    if (wanted.push(id) === 1)
      setImmediate(
        () => void fetchWanted().catch((error: unknown) => log.error({ err: error }, 'realtime fetch failed')),
      );
  };

  const catchUp = async () => {
    let after = Math.max(floor, seen.highest - CATCH_UP_SLACK);
    for (;;) {
      const rows = await db
        .selectFrom('realtime_events')
        .selectAll()
        .where('id', '>', after)
        .orderBy('id')
        .limit(CATCH_UP_PAGE)
        .execute();
      for (const row of rows) {
        if (subscribers.has(row.member_id)) deliver(toEvent(row));
        else seen.add(row.id);
      }
      const last = rows.at(-1);
      if (!last || rows.length < CATCH_UP_PAGE) return;
      after = last.id;
    }
  };

  const lost = (which: pg.Client, error?: unknown) => {
    if (which !== client) return;
    client = null;
    which.end().catch(() => {});
    if (closed) return;
    log.warn({ err: error }, 'realtime LISTEN connection lost; reconnecting');
    options.onListenLost?.();
    schedule();
  };

  const schedule = () => {
    const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void listen(false).catch((error: unknown) => {
        log.warn({ err: error, attempt }, 'realtime LISTEN reconnect failed');
        if (!closed) schedule();
      });
    }, delay);
    retryTimer.unref();
  };

  /** LISTEN first, then read: an event committed in between is in both, and deduplicated. */
  const listen = async (first: boolean) => {
    const next = new pg.Client({ connectionString: options.url, keepAlive: true, connectionTimeoutMillis: 5000 });
    next.on('notification', onNotification);
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next));
    try {
      await next.connect();
      await next.query(`listen ${pg.escapeIdentifier(channel)}`);
      if (closed) throw new Error('realtime bus closed while connecting');
      client = next;
      if (first) {
        const row = await db
          .selectFrom('realtime_events')
          .select((eb) => eb.fn.max('id').as('max'))
          .executeTakeFirst();
        floor = Number(row?.max ?? 0);
      } else {
        await catchUp();
        log.info({ attempts: attempt }, 'realtime LISTEN connection restored');
      }
      attempt = 0;
    } catch (error) {
      if (client === next) client = null;
      next.removeAllListeners('end');
      await next.end().catch(() => {});
      throw error;
    }
  };

  await listen(true);

  return {
    get listening() {
      return client !== null;
    },
    publish(events) {
      if (events.length === 0) return;
      for (const event of events) deliver(event);
      // Events recorded on this database were notified with their commit; others (made elsewhere)
      // are notified now, after the publisher's commit (the bus contract). A failure here is healed
      // by the other instances' streams resuming with Last-Event-ID, so it is logged, not thrown.
      const late = events.filter((e) => !wasNotifiedAtCommit(e));
      if (late.length > 0)
        notifyEvents(db, late).catch((error: unknown) => log.error({ err: error }, 'realtime NOTIFY failed'));
    },
    subscribe(memberId, listener) {
      subscribers.set(memberId, (subscribers.get(memberId) ?? 0) + 1);
      const unsubscribe = local.subscribe(memberId, listener);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        unsubscribe();
        const left = (subscribers.get(memberId) ?? 1) - 1;
        if (left === 0) subscribers.delete(memberId);
        else subscribers.set(memberId, left);
      };
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
      await local.close();
    },
  };
}
