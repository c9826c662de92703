import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { addMember, cookieHeader, PASSWORD, TestDevice, USER_AGENTS } from '../helpers/auth.js';
import { httpGet, SseConnection } from '../helpers/sse-client.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';
const BUDI = 'budi@example.com';
const STREAM = '/api/realtime/stream';
const TAKEOVER_MESSAGE = 'Sesi Anda berakhir karena akun ini digunakan di perangkat lain';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DIALECTS)('GET /api/realtime/stream over HTTP (%s)', (dialect) => {
  let world: World;
  let port: number;
  const connections: SseConnection[] = [];

  const openWorld = worldPerTest(dialect, async (w) => {
    await addMember(w, ANI);
    await addMember(w, BUDI);
  });
  const open = async (env: Record<string, string> = {}) => {
    world = await openWorld(env);
    await world.app.listen({ port: 0, host: '127.0.0.1' });
    port = (world.app.server.address() as AddressInfo).port;
    return world;
  };
  // Hooks run in reverse order: the connections close before the world does.
  afterEach(() => {
    for (const c of connections.splice(0)) c.close();
  });

  const stream = async (cookies: string | TestDevice, path = STREAM, headers: Record<string, string> = {}) => {
    const cookie = typeof cookies === 'string' ? cookies : cookieHeader(cookies.cookies);
    const connection = await SseConnection.open(port, path, { ...(cookie ? { cookie } : {}), ...headers });
    connections.push(connection);
    return connection;
  };
  const signIn = async (email: string, userAgent: string = USER_AGENTS.chromeWindows) => {
    const device = new TestDevice(world.app, { userAgent });
    const res = await device.loginKeepingHere(email, PASSWORD);
    expect(res.statusCode).toBe(303);
    return device;
  };
  const takeOver = (email = ANI) => signIn(email, USER_AGENTS.safariIphone);
  const eventIds = async () =>
    (await world.database.db.selectFrom('realtime_events').select('id').orderBy('id').execute()).map((r) => r.id);

  it('without a session → 401 JSON, before any stream starts', async () => {
    await open();
    for (const cookie of ['', 'gerbang_session=abc.def; gerbang_device=xyz']) {
      const res = await stream(cookie);
      await res.ended;
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toContain('application/json');
      expect(JSON.parse(res.raw).error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('answers an event stream: no caching, no proxy buffering, a retry hint first', async () => {
    await open();
    const ani = await signIn(ANI);
    const res = await stream(ani);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['cache-control']).toContain('no-cache');
    expect(res.headers['x-accel-buffering']).toBe('no');
    await res.connected();
    expect(res.raw.startsWith('retry: 3000\n\n')).toBe(true);
    expect(res.events()).toEqual([]);
  });

  it("a takeover tells A's open stream at once, and nobody else's", async () => {
    await open();
    // Budi logs out and in again first, so the log holds an earlier event to resume from.
    const budi = await signIn(BUDI);
    await budi.post('/auth/logout', {});
    expect((await budi.login(BUDI, PASSWORD)).statusCode).toBe(303);
    const ani = await signIn(ANI, USER_AGENTS.firefoxLinux);
    const aniStream = await stream(ani);
    const budiStream = await stream(budi);
    await Promise.all([aniStream.connected(), budiStream.connected()]);

    const newDevice = await takeOver();
    const event = await aniStream.nextEvent();
    const [earlier, id] = await eventIds();
    if (earlier === undefined || id === undefined) throw new Error('expected two events');
    expect(event.id).toBe(String(id));
    const data = JSON.parse(event.data ?? '');
    expect(data).toEqual({
      type: 'session.revoked',
      reason: 'takeover',
      message: TAKEOVER_MESSAGE,
      at: world.runtime.now(),
    });

    // The device that took over hears nothing, not even when it asks to resume from before the event.
    const fresh = await stream(newDevice);
    const resumed = await stream(newDevice, STREAM, { 'last-event-id': String(earlier) });
    await fresh.connected();
    await sleep(200);
    for (const other of [budiStream, fresh, resumed]) expect(other.events()).toEqual([]);
    expect(resumed.endedByServer).toBe(false);
  });

  it("logout tells the browser's other tabs (a second stream with the same cookies)", async () => {
    await open();
    const ani = await signIn(ANI);
    const tabs = [await stream(ani), await stream(ani)];
    await Promise.all(tabs.map((t) => t.connected()));
    expect((await ani.post('/auth/logout', {})).statusCode).toBe(303);
    for (const tab of tabs) {
      const event = await tab.nextEvent();
      expect(JSON.parse(event.data ?? '')).toMatchObject({ type: 'session.revoked', reason: 'logout' });
    }
    expect(new Set(tabs.map((t) => t.events()[0]?.id)).size).toBe(1);
  });

  it('reconnecting with a revoked session gets the revocation at once, then the stream ends', async () => {
    await open();
    const ani = await signIn(ANI);
    const first = await stream(ani);
    await first.connected();
    await takeOver();
    const original = await first.nextEvent();

    const again = await stream(ani);
    expect(again.status).toBe(200);
    await again.ended;
    expect(again.endedByServer).toBe(true);
    const events = again.events();
    expect(events).toHaveLength(1);
    expect(events[0]?.id).toBe(original.id);
    expect(JSON.parse(events[0]?.data ?? '')).toMatchObject({ reason: 'takeover', message: TAKEOVER_MESSAGE });
  });

  it('a logged-out cookie reconnecting gets the logout, then the stream ends', async () => {
    await open();
    const ani = await signIn(ANI);
    const stale = cookieHeader(ani.cookies);
    await ani.post('/auth/logout', {});
    const again = await stream(stale);
    await again.ended;
    expect(again.status).toBe(200);
    expect(again.events().map((e) => JSON.parse(e.data ?? '').reason)).toEqual(['logout']);
  });

  /** Writes events to the log as a later kind would (license revocation, PPOB status), member-wide. */
  const logMemberEvents = async (email: string, count: number) => {
    const member = await world.database.db
      .selectFrom('members')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    for (let i = 0; i < count; i++) {
      await world.database.db
        .insertInto('realtime_events')
        .values({
          member_id: member.id,
          device_id: null,
          kind: 'license.revoked',
          data: JSON.stringify({ n: i }),
          created_at: world.runtime.now(),
        })
        .execute();
    }
    return eventIds();
  };

  it('Last-Event-ID (header or ?lastEventId=) resumes the events missed while away', async () => {
    await open();
    const ani = await signIn(ANI);
    const [first, second, third] = await logMemberEvents(ANI, 3);
    if (first === undefined || second === undefined || third === undefined) throw new Error('expected three events');

    const fromHeader = await stream(ani, STREAM, { 'last-event-id': String(first) });
    const frames = await fromHeader.waitFor((f) => f.filter((x) => x.event).length === 2);
    expect(frames.filter((f) => f.event).map((f) => f.id)).toEqual([String(second), String(third)]);
    expect(frames.filter((f) => f.event).map((f) => JSON.parse(f.data ?? '').n)).toEqual([1, 2]);

    const fromQuery = await stream(ani, `${STREAM}?lastEventId=${second}`);
    await fromQuery.waitFor((f) => f.some((x) => x.event));
    await sleep(100);
    expect(fromQuery.events('license.revoked').map((f) => f.id)).toEqual([String(third)]);

    const upToDate = await stream(ani, STREAM, { 'last-event-id': String(third) });
    await sleep(200);
    expect(upToDate.status).toBe(200);
    expect(upToDate.events('license.revoked')).toEqual([]);
    expect(upToDate.endedByServer).toBe(false);
  });

  it('a resumed stream of a new session gets no revocations of the sessions this browser had before', async () => {
    await open();
    const ani = await signIn(ANI);
    // Two logouts of this browser while its page was closed, then it signs in again, later.
    for (let i = 0; i < 2; i++) {
      await ani.post('/auth/logout', {});
      world.runtime.advance(60_000);
      expect((await ani.login(ANI, PASSWORD)).statusCode).toBe(303);
    }
    const [first] = await eventIds();
    if (first === undefined) throw new Error('expected the logout events');
    const resumed = await stream(ani, STREAM, { 'last-event-id': String(first - 1) });
    await sleep(300);
    expect(resumed.events()).toEqual([]);
    expect(resumed.endedByServer).toBe(false);
    // A revocation of the current session still arrives, and ends the stream.
    await takeOver();
    expect(JSON.parse((await resumed.nextEvent()).data ?? '').reason).toBe('takeover');
    await resumed.ended;
    expect(resumed.endedByServer).toBe(true);
  });

  it('the old path /api/realtime/attendance-stream is the same stream', async () => {
    await open();
    const ani = await signIn(ANI);
    const old = await stream(ani, '/api/realtime/attendance-stream');
    expect(old.status).toBe(200);
    await old.connected();
    await takeOver();
    expect(JSON.parse((await old.nextEvent()).data ?? '').reason).toBe('takeover');
    const anonymous = await stream('', '/api/realtime/attendance-stream');
    await anonymous.ended;
    expect(anonymous.status).toBe(401);
  });

  it('a ?user= parameter gives no access: the cookie alone decides whose events a stream gets', async () => {
    await open();
    const ani = await signIn(ANI);
    const aniId = (
      await world.database.db.selectFrom('members').select('id').where('email', '=', ANI).executeTakeFirstOrThrow()
    ).id;
    for (const query of [`?user=${aniId}`, `?user=${encodeURIComponent(ANI)}`]) {
      const anonymous = await stream('', `${STREAM}${query}`);
      await anonymous.ended;
      expect(anonymous.status).toBe(401);
    }
    const budi = await signIn(BUDI);
    const spy = await stream(budi, `${STREAM}?user=${aniId}`);
    const aniStream = await stream(ani);
    await Promise.all([spy.connected(), aniStream.connected()]);
    await takeOver();
    await aniStream.nextEvent();
    await sleep(100);
    expect(spy.events()).toEqual([]);
  });

  it('every stream gets heartbeat comments', async () => {
    await open({ REALTIME_HEARTBEAT_SECONDS: '1' });
    const ani = await signIn(ANI);
    const res = await stream(ani);
    await res.connected();
    await res.waitFor((frames) => frames.some((f) => f.comment === 'ping'), 2500);
  });

  it('idle streams run no database queries, heartbeats included', async () => {
    await open({ REALTIME_HEARTBEAT_SECONDS: '1' });
    const ani = await signIn(ANI);
    const streams = [await stream(ani), await stream(ani), await stream(ani)];
    await Promise.all(streams.map((s) => s.connected()));
    const before = world.database.stats.queries;
    await sleep(1500);
    for (const s of streams) expect(s.frames().some((f) => f.comment === 'ping')).toBe(true);
    expect(world.database.stats.queries).toBe(before);
  });

  it('app.close() ends open streams with a reconnect hint', async () => {
    await open();
    const ani = await signIn(ANI);
    const streams = [await stream(ani), await stream(ani)];
    await Promise.all(streams.map((s) => s.connected()));
    expect(world.app.streams.size).toBe(2);
    const closing = world.app.close();
    await Promise.all(streams.map((s) => s.ended));
    await closing;
    for (const s of streams) {
      expect(s.endedByServer).toBe(true);
      expect(s.raw.endsWith('retry: 1000\n\n')).toBe(true);
    }
    expect(world.app.streams.size).toBe(0);
  });

  it("open streams do not hold up the member's other requests", async () => {
    await open();
    const ani = await signIn(ANI);
    const streams = await Promise.all(Array.from({ length: 6 }, () => stream(ani)));
    await Promise.all(streams.map((s) => s.connected()));
    const cookie = cookieHeader(ani.cookies);
    const page = await httpGet(port, '/member', { cookie, accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.body).toContain(ANI);
    expect(page.ms).toBeLessThan(1000);
    const api = await httpGet(port, '/api/session', { cookie });
    expect(api.status).toBe(200);
    expect(world.app.streams.size).toBe(6);
  });

  it('a closed browser tab frees its stream', async () => {
    await open();
    const ani = await signIn(ANI);
    const res = await stream(ani);
    await res.connected();
    expect(world.app.streams.size).toBe(1);
    res.close();
    for (let i = 0; i < 50 && world.app.streams.size > 0; i++) await sleep(10);
    expect(world.app.streams.size).toBe(0);
  });
});

describe('GET /api/realtime/stream through app.inject()', () => {
  it('a revoked session is answered without a real socket too (inject gives one without setNoDelay)', async () => {
    const world = await createWorld('sqlite');
    try {
      await addMember(world, ANI);
      const ani = new TestDevice(world.app);
      await ani.login(ANI, PASSWORD);
      const kept = new Map(ani.cookies);
      await ani.post('/auth/logout', {});
      for (const [k, v] of kept) ani.cookies.set(k, v);
      // The answer is finite (one event, then the end), so inject() must resolve.
      const res = await Promise.race([ani.get(STREAM), sleep(2000).then(() => null)]);
      expect(res, 'the stream route hung under app.inject()').not.toBeNull();
      expect(res?.statusCode).toBe(200);
      expect(res?.body).toContain('event: session.revoked');
    } finally {
      await world.close();
    }
  });
});
