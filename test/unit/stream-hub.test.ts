import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { RealtimeEvent } from '../../src/realtime/index.js';
import { StreamHub } from '../../src/realtime/index.js';

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
