import { describe, expect, it } from 'vitest';
import type { RealtimeEvent } from '../../src/realtime/index.js';
import { createMemoryBus } from '../../src/realtime/index.js';

let nextId = 1;
function revoked(memberId: number, deviceId: number | null = 1): RealtimeEvent {
  const id = nextId++;
  return {
    id,
    memberId,
    deviceId,
    kind: 'session.revoked',
    data: { reason: 'takeover', at: id, message: 'x' },
    createdAt: id,
  };
}

describe('the in-memory realtime bus', () => {
  it("delivers a member's events, in order, to each of that member's listeners", () => {
    const bus = createMemoryBus();
    const first: number[] = [];
    const second: number[] = [];
    bus.subscribe(7, (e) => first.push(e.id));
    bus.subscribe(7, (e) => second.push(e.id));
    const events = [revoked(7), revoked(7), revoked(7)];
    bus.publish(events);
    expect(first).toEqual(events.map((e) => e.id));
    expect(second).toEqual(events.map((e) => e.id));
  });

  it("never delivers one member's events to another member", () => {
    const bus = createMemoryBus();
    const seven: RealtimeEvent[] = [];
    const eight: RealtimeEvent[] = [];
    bus.subscribe(7, (e) => seven.push(e));
    bus.subscribe(8, (e) => eight.push(e));
    const a = revoked(7);
    const b = revoked(8);
    const c = revoked(9);
    bus.publish([a, b, c]);
    expect(seven).toEqual([a]);
    expect(eight).toEqual([b]);
  });

  it('publishing with nobody listening is fine', () => {
    const bus = createMemoryBus();
    expect(() => bus.publish([revoked(1)])).not.toThrow();
    expect(() => bus.publish([])).not.toThrow();
  });

  it('after unsubscribing a listener hears nothing; others keep listening; a second unsubscribe is harmless', () => {
    const bus = createMemoryBus();
    const gone: number[] = [];
    const kept: number[] = [];
    const unsubscribe = bus.subscribe(7, (e) => gone.push(e.id));
    bus.subscribe(7, (e) => kept.push(e.id));
    const before = revoked(7);
    bus.publish([before]);
    unsubscribe();
    unsubscribe();
    const after = revoked(7);
    bus.publish([after]);
    expect(gone).toEqual([before.id]);
    expect(kept).toEqual([before.id, after.id]);
  });

  it('the same function subscribed for two members is two subscriptions', () => {
    const bus = createMemoryBus();
    const heard: number[] = [];
    const listener = (e: RealtimeEvent) => heard.push(e.memberId);
    const offSeven = bus.subscribe(7, listener);
    bus.subscribe(8, listener);
    offSeven();
    bus.publish([revoked(7), revoked(8)]);
    expect(heard).toEqual([8]);
  });

  it('a listener that unsubscribes during publish skips no other listener and hears no later event', () => {
    const bus = createMemoryBus();
    const order: string[] = [];
    let off: () => void = () => {};
    bus.subscribe(7, (e) => order.push(`a${e.id}`));
    off = bus.subscribe(7, (e) => {
      order.push(`b${e.id}`);
      off();
    });
    bus.subscribe(7, (e) => order.push(`c${e.id}`));
    const [one, two] = [revoked(7), revoked(7)];
    bus.publish([one, two]);
    expect(order).toEqual([`a${one.id}`, `b${one.id}`, `c${one.id}`, `a${two.id}`, `c${two.id}`]);
  });

  it('a listener that unsubscribes another during publish does not break the delivery in progress', () => {
    const bus = createMemoryBus();
    const heard: string[] = [];
    let offLater: () => void = () => {};
    bus.subscribe(7, (e) => {
      heard.push(`first${e.id}`);
      offLater();
    });
    offLater = bus.subscribe(7, (e) => heard.push(`later${e.id}`));
    const [one, two] = [revoked(7), revoked(7)];
    bus.publish([one, two]);
    // The event in progress still reaches everyone subscribed when it started; the next one does not.
    expect(heard).toEqual([`first${one.id}`, `later${one.id}`, `first${two.id}`]);
  });

  it('a listener subscribed during publish starts with the next event', () => {
    const bus = createMemoryBus();
    const late: number[] = [];
    let added = false;
    bus.subscribe(7, () => {
      if (added) return;
      added = true;
      bus.subscribe(7, (e) => late.push(e.id));
    });
    const [one, two] = [revoked(7), revoked(7)];
    bus.publish([one, two]);
    expect(late).toEqual([two.id]);
  });

  it('the last listener leaving and a new one arriving works (no stale empty set)', () => {
    const bus = createMemoryBus();
    bus.subscribe(7, () => {})();
    const heard: number[] = [];
    bus.subscribe(7, (e) => heard.push(e.id));
    const event = revoked(7);
    bus.publish([event]);
    expect(heard).toEqual([event.id]);
  });

  it('close() drops every listener', async () => {
    const bus = createMemoryBus();
    const heard: number[] = [];
    const unsubscribe = bus.subscribe(7, (e) => heard.push(e.id));
    await bus.close();
    bus.publish([revoked(7)]);
    expect(heard).toEqual([]);
    expect(() => unsubscribe()).not.toThrow();
  });
});
