import pg from 'pg';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/index.js';
import { openDatabase } from '../../src/db/index.js';
import type { PostgresBus, RealtimeEvent } from '../../src/realtime/index.js';
import { createPostgresBus, recordRealtimeEvents } from '../../src/realtime/index.js';
import { notifyPayload } from '../../src/realtime/postgres-channel.js';
import { waitFor } from '../helpers/gerbang-process.js';
import { TEST_DATABASE_URL } from '../helpers/postgres.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS, memberRow } from '../helpers/world.js';

/** Two instances' buses on one PostgreSQL schema, each with its own pool, as two servers have. */
describe.each(DIALECTS.filter((d) => d === 'postgres'))('realtime bus across instances (%s)', (dialect) => {
  const log = pino({ level: 'silent' });
  let world: World | undefined;
  const opened: { bus: PostgresBus; database: DatabaseHandle }[] = [];

  afterEach(async () => {
    for (const { bus, database } of opened.splice(0)) {
      await bus.close();
      await database.close();
    }
    await world?.close();
    world = undefined;
  });

  async function instance(backoff = { initialMs: 50, maxMs: 500 }) {
    if (world?.config.database.kind !== 'postgres') throw new Error('no world');
    const database = openDatabase(world.config.database);
    const bus = await createPostgresBus({ url: world.config.database.url, db: database.db, log, backoff });
    opened.push({ bus, database });
    return { bus, database };
  }

  function listenUrl(): string {
    if (world?.config.database.kind !== 'postgres') throw new Error('no world');
    return world.config.database.url;
  }

  async function setUp() {
    world = await createWorld(dialect);
    const rows = await world.database.db
      .insertInto('members')
      .values([memberRow('ani@example.com'), memberRow('budi@example.com')])
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async function revoke(memberId: number, reason: string, message = reason): Promise<RealtimeEvent[]> {
    if (!world) throw new Error('no world');
    return recordRealtimeEvents(
      world.database.db,
      [{ memberId, deviceId: null, kind: 'session.revoked', data: { reason, at: 1, message } }],
      Date.now(),
    );
  }

  // Multi-byte letters: under 8,000 characters, over NOTIFY's 8,000 bytes.
  it.each([
    {
      what: 'in the notification, without a query there',
      message: 'Sesi berakhir — perangkat lain masuk',
      statements: 0,
    },
    { what: 'as its id when over 8,000 bytes, fetched with its data', message: 'é'.repeat(4500), statements: 1 },
  ])('an event published on one instance reaches a subscriber on the other $what', async ({ message, statements }) => {
    const [ani] = await setUp();
    if (ani === undefined) throw new Error('no member');
    const one = await instance();
    const two = await instance();
    const received: RealtimeEvent[] = [];
    two.bus.subscribe(ani, (event) => received.push(event));
    const before = two.database.stats.queries;
    const events = await revoke(ani, 'takeover', message);
    const idOnly = `${events[0]?.id}:${ani}`;
    expect(events.map(notifyPayload)[0] === idOnly).toBe(statements === 1);
    one.bus.publish(events);
    await waitFor(async () => (received.length > 0 ? true : undefined), 'the event on instance two', 5000, 20);
    expect(received).toEqual(events);
    expect(two.database.stats.queries).toBe(before + statements);
  });

  it('an event recorded in a transaction is heard by the other instance at its commit, with no statement after it; a rolled-back one never', async () => {
    const [ani, budi] = await setUp();
    if (ani === undefined || budi === undefined || !world) throw new Error('no members');
    const one = await instance();
    const two = await instance();
    const received: RealtimeEvent[] = [];
    two.bus.subscribe(ani, (event) => received.push(event));
    two.bus.subscribe(budi, (event) => received.push(event));
    const statements: number[] = [];
    const record = (memberId: number, reason: string, big = false) =>
      one.database.db.transaction().execute(async (tx) => {
        const before = one.database.stats.queries;
        const event = (message: string) =>
          ({ memberId, deviceId: null, kind: 'session.revoked', data: { reason, at: 1, message } }) as const;
        // Over 8,000 bytes the NOTIFY carries only the id (built in SQL like notifyPayload).
        const events = await recordRealtimeEvents(
          tx,
          big ? [event(reason), event('é'.repeat(4500))] : [event(reason)],
          Date.now(),
        );
        statements.push(one.database.stats.queries - before);
        if (reason === 'rollback') throw new Error('rolled back');
        return events;
      });
    await expect(record(budi, 'rollback')).rejects.toThrow('rolled back');
    const committed = await record(ani, 'takeover', true);
    // The insert and the NOTIFY are one statement (the first recording may also prune old events).
    expect(statements.at(-1)).toBe(1);
    expect(committed.map((e) => e.id)).toEqual([...committed.map((e) => e.id)].sort((a, b) => a - b));
    // Heard without publish(): the NOTIFY went out with the COMMIT; the big one fetched by its id.
    await waitFor(
      async () => (received.length > 1 ? true : undefined),
      'the committed events on instance two',
      5000,
      20,
    );
    expect(received).toEqual(committed);
    // publish() after the commit delivers here only: no NOTIFY again on the publisher's pool.
    const before = one.database.stats.queries;
    one.bus.publish(committed);
    await new Promise((r) => setTimeout(r, 300));
    expect(one.database.stats.queries).toBe(before);
    expect(received).toEqual(committed);
  });

  it('a subscriber on the publishing instance gets the event once, not again from its own notification', async () => {
    const [ani] = await setUp();
    if (ani === undefined) throw new Error('no member');
    const one = await instance();
    const two = await instance();
    const here: RealtimeEvent[] = [];
    const there: RealtimeEvent[] = [];
    one.bus.subscribe(ani, (event) => here.push(event));
    two.bus.subscribe(ani, (event) => there.push(event));
    one.bus.publish(await revoke(ani, 'logout'));
    expect(here).toHaveLength(1);
    await waitFor(async () => (there.length > 0 ? true : undefined), 'the event on instance two', 5000, 20);
    await new Promise((r) => setTimeout(r, 300));
    expect(here).toHaveLength(1);
    expect(there).toHaveLength(1);
  });

  it('after its LISTEN backend is terminated the bus reconnects and catches up the events published meanwhile', async () => {
    const [ani, budi] = await setUp();
    if (ani === undefined || budi === undefined) throw new Error('no member');
    const one = await instance();
    // A slow first retry, so the publications below surely fall into the outage.
    const two = await instance({ initialMs: 800, maxMs: 800 });
    const received: RealtimeEvent[] = [];
    two.bus.subscribe(ani, (event) => received.push(event));
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      // Every LISTEN connection of this test's channel (named after its schema): both instances lose theirs.
      const schema = /search_path=(\w+)/.exec(decodeURIComponent(listenUrl()))?.[1];
      const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where query = $1', [
        `listen "gerbang_realtime_${schema}"`,
      ]);
      expect(killed.rowCount).toBeGreaterThanOrEqual(2);
    } finally {
      await admin.end();
    }
    await waitFor(async () => (two.bus.listening ? undefined : true), 'instance two to notice', 5000, 10);
    const missed = [
      ...(await revoke(ani, 'admin')),
      ...(await revoke(budi, 'admin')),
      ...(await revoke(ani, 'logout')),
    ];
    one.bus.publish(missed);
    expect(received).toEqual([]);
    await waitFor(async () => (two.bus.listening ? true : undefined), 'instance two to reconnect', 10_000, 20);
    await waitFor(async () => (received.length >= 2 ? true : undefined), 'the caught-up events', 5000, 20);
    expect(received.map((e) => ('reason' in e.data ? e.data.reason : e.kind))).toEqual(['admin', 'logout']);
    // And live delivery works again on the new connection.
    one.bus.publish(await revoke(ani, 'password_changed'));
    await waitFor(async () => (received.length === 3 ? true : undefined), 'a live event after the reconnect', 5000, 20);
  });

  it('streams never poll: idle subscribers and events for members nobody here follows cost no statement', async () => {
    const [ani, budi] = await setUp();
    if (ani === undefined || budi === undefined) throw new Error('no member');
    const one = await instance();
    const two = await instance();
    two.bus.subscribe(ani, () => {});
    const before = two.database.stats.queries;
    await new Promise((r) => setTimeout(r, 1000));
    one.bus.publish(await revoke(budi, 'takeover'));
    await new Promise((r) => setTimeout(r, 500));
    expect(two.database.stats.queries).toBe(before);
  });
});
