import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RealtimeEvent } from '../../src/realtime/index.js';
import { StreamHub } from '../../src/realtime/index.js';
import { HEARTBEAT_TICK_MS, PING_SLICE } from '../../src/realtime/stream-hub.js';

/** Just what the hub uses of a response; writing after end throws, as Node's would (asynchronously). */
class RecordingResponse extends EventEmitter {
  readonly chunks: string[] = [];
  writableEnded = false;
  write(chunk: string): boolean {
    if (this.writableEnded) throw new Error('write after end');
    this.chunks.push(chunk);
    return true;
  }
  end(chunk?: string): void {
    if (chunk !== undefined) this.write(chunk);
    this.writableEnded = true;
    this.emit('close');
  }
}

function event(id: number): RealtimeEvent {
  return {
    id,
    memberId: 1,
    deviceId: null,
    kind: 'session.revoked',
    data: { reason: 'admin', at: 1, message: 'x' },
    createdAt: 1,
  };
}

describe('stream hub during shutdown', () => {
  it('closeAll ends every stream with a short retry hint', () => {
    const hub = new StreamHub(60_000);
    const res = new RecordingResponse();
    let closed = 0;
    hub.add(res as unknown as ServerResponse, 0, () => void closed++);
    hub.closeAll(1000);
    expect(res.chunks).toEqual(['retry: 1000\n\n']);
    expect(res.writableEnded).toBe(true);
    expect(closed).toBe(1);
    expect(hub.size).toBe(0);
  });

  it('a stream that opens after shutdown began is sent elsewhere at once instead of held open', () => {
    const hub = new StreamHub(60_000);
    hub.closeAll(500);
    const res = new RecordingResponse();
    let closed = 0;
    hub.add(res as unknown as ServerResponse, 0, () => void closed++);
    expect(res.chunks).toEqual(['retry: 500\n\n']);
    expect(res.writableEnded).toBe(true);
    expect(closed).toBe(1);
    expect(hub.size).toBe(0);
  });

  it('an ended stream takes no more events (a write after end would crash the process)', () => {
    const hub = new StreamHub(60_000);
    const res = new RecordingResponse();
    const stream = hub.add(res as unknown as ServerResponse, 0, () => {});
    hub.send(stream, event(1));
    res.end();
    expect(() => hub.send(stream, event(2))).not.toThrow();
    expect(res.chunks).toHaveLength(1);
    expect(hub.delivered).toBe(1);
  });
});

describe('stream hub heartbeats', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const PING = ': ping\n\n';
  const pingsOf = (res: RecordingResponse) => res.chunks.filter((c) => c === PING).length;

  function openMany(hub: StreamHub, n: number) {
    return Array.from({ length: n }, () => {
      const res = new RecordingResponse();
      const stream = hub.add(res as unknown as ServerResponse, 0, () => {});
      return { res, stream };
    });
  }

  it('are spread over the interval: each wake writes its share, a slice per event-loop turn, never all at once', async () => {
    // The timer is faked, the event loop's turns (setImmediate) are real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const heartbeatMs = 1000;
    const hub = new StreamHub(heartbeatMs);
    openMany(hub, 2000);
    const share = Math.ceil(2000 / (heartbeatMs / HEARTBEAT_TICK_MS));
    vi.advanceTimersByTime(HEARTBEAT_TICK_MS);
    const slices = [hub.pings];
    for (let turn = 0; turn < 100 && hub.pings < 2000; turn++) {
      const before = hub.pings;
      await new Promise((r) => setImmediate(r));
      if (hub.pings === before) break;
      slices.push(hub.pings - before);
    }
    // The first wake wrote its share only, not the 2,000, cut into turns of at most PING_SLICE.
    expect(hub.pings).toBe(share);
    expect(slices.length).toBe(Math.ceil(share / PING_SLICE));
    expect(Math.max(...slices)).toBeLessThanOrEqual(PING_SLICE);
    hub.closeAll();
  });

  it('every open stream gets one heartbeat per interval, also when streams close and open meanwhile', async () => {
    vi.useFakeTimers();
    const heartbeatMs = 1000;
    const hub = new StreamHub(heartbeatMs);
    const open = openMany(hub, 500);
    // One full round.
    await vi.advanceTimersByTimeAsync(heartbeatMs);
    expect(open.map((o) => pingsOf(o.res))).toEqual(open.map(() => 1));
    // Half a round, then every third stream leaves and new ones arrive.
    await vi.advanceTimersByTimeAsync(heartbeatMs / 2);
    const before = new Map(open.map((o) => [o, pingsOf(o.res)]));
    const leaving = open.filter((_, i) => i % 3 === 0);
    for (const o of leaving) o.res.end();
    const staying = open.filter((_, i) => i % 3 !== 0);
    const arriving = openMany(hub, 50);
    await vi.advanceTimersByTimeAsync(heartbeatMs);
    // Over the next full interval no stream is skipped: each remaining one got one or two (the
    // round's length follows the count, so a shrunken round may start again within the interval).
    for (const o of [...staying, ...arriving]) {
      const got = pingsOf(o.res) - (before.get(o) ?? 0);
      expect(got).toBeGreaterThanOrEqual(1);
      expect(got).toBeLessThanOrEqual(2);
    }
    expect(hub.size).toBe(staying.length + arriving.length);
    hub.closeAll();
  });
});
