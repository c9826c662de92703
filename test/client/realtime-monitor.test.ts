import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type LeaderLocks,
  parseRealtimeEvent,
  type RealtimeEnvironment,
  RealtimeMonitor,
  ReconnectBackoff,
  type RelayChannel,
  type SessionRevokedEvent,
  type StreamSource,
  streamUrl,
} from '../../src/client/realtime-monitor.js';

const CONNECTING = 0;
const CLOSED = 2;

/** An EventSource the test drives by hand. */
class FakeStream implements StreamSource {
  readyState = CONNECTING;
  private readonly listeners = new Map<string, ((event: MessageEvent) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: MessageEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.readyState = CLOSED;
  }
  open(): void {
    this.readyState = 1;
    this.fire('open', '', '');
  }
  send(type: string, id: string, data: object): void {
    this.fire(type, id, JSON.stringify(data));
  }
  fail(readyState: number): void {
    this.readyState = readyState;
    this.fire('error', '', '');
  }
  private fire(type: string, lastEventId: string, data: string): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ type, lastEventId, data } as MessageEvent);
  }
}

/** Web Locks for one lock name: exclusive, granted in request order, asynchronously like the real one. */
class FakeLocks implements LeaderLocks {
  private held = false;
  private readonly queue: (() => void)[] = [];
  request(_name: string, options: LockOptions, callback: (lock: object | null) => unknown): Promise<unknown> {
    if (options.ifAvailable && this.held) return Promise.resolve().then(() => callback(null));
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        this.held = true;
        Promise.resolve(callback({}))
          .then(resolve, reject)
          .finally(() => {
            this.held = false;
            this.queue.shift()?.();
          });
      };
      if (!this.held) {
        Promise.resolve().then(grant, reject);
        return;
      }
      this.queue.push(grant);
      options.signal?.addEventListener('abort', () => {
        this.queue.splice(this.queue.indexOf(grant), 1);
        reject(new DOMException('aborted', 'AbortError'));
      });
    });
  }
}

/** BroadcastChannel: delivers a copy to every other open channel, never to the sender. */
class FakeChannels {
  private readonly open = new Set<RelayChannel>();
  connect = (): RelayChannel => {
    const channel: RelayChannel = {
      onmessage: null,
      postMessage: (message) => {
        for (const other of this.open)
          if (other !== channel)
            queueMicrotask(() => other.onmessage?.({ data: structuredClone(message) } as MessageEvent));
      },
      close: () => this.open.delete(channel),
    };
    this.open.add(channel);
    return channel;
  };
}

/** One tab: a monitor with fake browser APIs, and what it did. */
function tab(shared: { locks?: FakeLocks; channels?: FakeChannels; sessionStatus?: number } = {}) {
  const streams: FakeStream[] = [];
  const sessionChecks: string[] = [];
  const page = new EventTarget();
  const environment: RealtimeEnvironment = {
    openStream: (url) => {
      const stream = new FakeStream(url);
      streams.push(stream);
      return stream;
    },
    fetch: async (url) => {
      sessionChecks.push(url);
      return { status: shared.sessionStatus ?? 200 };
    },
    locks: shared.locks,
    openChannel: shared.channels?.connect,
    page: page as unknown as Window,
  };
  const monitor = new RealtimeMonitor({ environment });
  const revoked: SessionRevokedEvent[] = [];
  monitor.on('session.revoked', (event) => revoked.push(event));
  const stream = (): FakeStream => {
    const last = streams[streams.length - 1];
    if (!last) throw new Error('no stream was opened');
    return last;
  };
  return { monitor, streams, stream, sessionChecks, revoked, page };
}

const settle = () => vi.advanceTimersByTimeAsync(0);
const takeover = { type: 'session.revoked', reason: 'takeover', at: 1_763_900_000_000, message: 'Sesi berakhir' };

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('reconnect back-off', () => {
  it('starts at 3 s, grows ×1.5 per failed attempt, stops at 30 s, and starts over after an open', () => {
    const backoff = new ReconnectBackoff();
    const delays = Array.from({ length: 9 }, () => backoff.next());
    expect(delays).toEqual([3000, 4500, 6750, 10125, 15187.5, 22781.25, 30000, 30000, 30000]);
    backoff.reset();
    expect(backoff.next()).toBe(3000);
  });

  it('resumes after the last event id', () => {
    expect(streamUrl('/api/realtime/stream', '')).toBe('/api/realtime/stream');
    expect(streamUrl('/api/realtime/stream', '42')).toBe('/api/realtime/stream?lastEventId=42');
    expect(streamUrl('/s?x=1', 'a b')).toBe('/s?x=1&lastEventId=a%20b');
  });
});

describe('event parsing', () => {
  it('types session.revoked from a named or an unnamed frame, and drops what it does not know', () => {
    const data = JSON.stringify(takeover);
    expect(parseRealtimeEvent(data, 'session.revoked')).toEqual(takeover);
    expect(parseRealtimeEvent(data, 'message')).toEqual(takeover);
    expect(parseRealtimeEvent('{"reason":"logout","at":1}', 'session.revoked')).toEqual({
      type: 'session.revoked',
      reason: 'logout',
      at: 1,
    });
    expect(parseRealtimeEvent('{"type":"ppob.transaction.updated","id":"T1"}', 'message')).toBeNull();
    expect(parseRealtimeEvent('not json', 'session.revoked')).toBeNull();
    expect(parseRealtimeEvent('"a string"', 'session.revoked')).toBeNull();
    expect(parseRealtimeEvent('{"type":"toString"}', 'message')).toBeNull();
  });
});

describe('one tab on its own (no Web Locks or BroadcastChannel)', () => {
  it('reconnects itself with the back-off, resuming after the last event id, and resets after an open', async () => {
    const { monitor, streams, stream } = tab();
    monitor.start();
    expect(monitor.state).toBe('connecting');
    expect(stream().url).toBe('/api/realtime/stream');
    stream().open();
    expect(monitor.state).toBe('open');
    stream().send('message', '7', { type: 'license.revoked', key: 'KEI-1' }); // unknown yet: ignored
    const first = stream();
    first.fail(CONNECTING); // a network drop: the browser would retry on its own schedule
    expect(monitor.state).toBe('closed');
    expect(first.readyState).toBe(CLOSED); // closed by us, so only our back-off applies

    for (const delay of [3000, 4500, 6750]) {
      const before = streams.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(streams).toHaveLength(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(streams).toHaveLength(before + 1);
      expect(stream().url).toBe('/api/realtime/stream?lastEventId=7');
      stream().fail(CONNECTING);
    }
    await vi.advanceTimersByTimeAsync(10125);
    stream().open();
    stream().fail(CONNECTING);
    await vi.advanceTimersByTimeAsync(3000);
    expect(streams).toHaveLength(6);
    monitor.stop();
  });

  it('asks /api/session when the stream is refused, and on 401 revokes the session as expired', async () => {
    const { monitor, streams, stream, sessionChecks, revoked } = tab({ sessionStatus: 401 });
    monitor.start();
    stream().fail(CLOSED); // CLOSED before any open: the server answered, but not 200
    await settle();
    expect(sessionChecks).toEqual(['/api/session']);
    expect(revoked).toMatchObject([{ type: 'session.revoked', reason: 'expired' }]);
    expect(monitor.state).toBe('ended');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(streams).toHaveLength(1);
  });

  it('reconnects with the back-off when the stream is refused but the session is live', async () => {
    const { monitor, streams, stream, revoked } = tab({ sessionStatus: 200 });
    monitor.start();
    stream().fail(CLOSED);
    await vi.advanceTimersByTimeAsync(3000);
    expect(streams).toHaveLength(2);
    expect(revoked).toEqual([]);
    monitor.stop();
  });

  it('dispatches a revocation once, then closes for good', async () => {
    const { monitor, streams, stream, revoked } = tab();
    monitor.start();
    stream().open();
    stream().send('session.revoked', '42', takeover);
    stream().send('session.revoked', '42', takeover);
    expect(revoked).toEqual([takeover]);
    expect(monitor.state).toBe('ended');
    expect(stream().readyState).toBe(CLOSED);
    stream().fail(CLOSED);
    monitor.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(streams).toHaveLength(1);
  });
});

describe('one stream per browser', () => {
  const browser = () => ({ locks: new FakeLocks(), channels: new FakeChannels() });

  it('the first tab leads and opens the stream; the others follow and receive its events', async () => {
    const shared = browser();
    const [a, b, c] = [tab(shared), tab(shared), tab(shared)];
    a.monitor.start();
    await settle();
    b.monitor.start();
    c.monitor.start();
    await settle();
    expect([a.monitor.state, b.monitor.state, c.monitor.state]).toEqual(['connecting', 'following', 'following']);
    expect([a.streams.length, b.streams.length, c.streams.length]).toEqual([1, 0, 0]);

    a.stream().open();
    a.stream().send('session.revoked', '42', takeover);
    await settle();
    for (const t of [a, b, c]) {
      expect(t.revoked).toEqual([takeover]);
      expect(t.monitor.state).toBe('ended');
    }
    await vi.advanceTimersByTimeAsync(60_000);
    expect([a.streams.length, b.streams.length, c.streams.length]).toEqual([1, 0, 0]);

    // The revoked leader keeps the lock until its page goes, so no tab is promoted in between.
    const d = tab(shared);
    d.monitor.start();
    await settle();
    expect(d.monitor.state).toBe('following');
    a.page.dispatchEvent(new Event('pagehide'));
    await settle();
    expect(d.streams).toHaveLength(1);
    d.monitor.stop();
  });

  it('when the leader tab goes, a follower takes over, resuming after the last relayed id', async () => {
    const shared = browser();
    const [a, b] = [tab(shared), tab(shared)];
    a.monitor.start();
    await settle();
    b.monitor.start();
    await settle();
    a.stream().open();
    a.stream().send('message', '41', { type: 'ppob.transaction.updated' });
    await settle();
    expect(b.monitor.lastEventId).toBe('41');

    a.page.dispatchEvent(new Event('pagehide'));
    await settle();
    expect(a.stream().readyState).toBe(CLOSED);
    expect(b.monitor.state).toBe('connecting');
    expect(b.stream().url).toBe('/api/realtime/stream?lastEventId=41');
    b.stream().open();
    expect(b.monitor.state).toBe('open');
    b.monitor.stop();
  });

  it('a stopped follower never takes the lead', async () => {
    const shared = browser();
    const [a, b, c] = [tab(shared), tab(shared), tab(shared)];
    for (const t of [a, b, c]) {
      t.monitor.start();
      await settle();
    }
    b.monitor.stop();
    a.monitor.stop();
    await settle();
    expect([b.streams.length, c.streams.length]).toEqual([0, 1]);
    expect(c.monitor.state).toBe('connecting');
    c.monitor.stop();
  });

  it('without Web Locks every tab opens its own stream', () => {
    const [a, b] = [tab({ channels: new FakeChannels() }), tab({ channels: new FakeChannels() })];
    a.monitor.start();
    b.monitor.start();
    expect([a.streams.length, b.streams.length]).toEqual([1, 1]);
  });
});
