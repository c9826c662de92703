import { describe, expect, it } from 'vitest';
import { hashSlotCount, Slots } from '../../src/members/hash-slots.js';
import { hashPassword, passwordHashing, verifyPassword } from '../../src/members/index.js';

/** A task the test finishes itself, to see what runs while it holds its slot. */
function gate<T>() {
  let open!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('password hashing takes turns (hash-slots)', () => {
  it('leaves a core and a libuv pool thread free, and always allows one', () => {
    expect(hashSlotCount(1, 4)).toBe(1);
    expect(hashSlotCount(2, 4)).toBe(1);
    expect(hashSlotCount(4, 4)).toBe(3);
    expect(hashSlotCount(16, 4)).toBe(3);
    expect(hashSlotCount(16, 8)).toBe(7);
    expect(hashSlotCount(16, 1)).toBe(1);
  });

  it('runs at most `size` tasks at once and starts the others in the order they came', async () => {
    const slots = new Slots(2);
    const gates = Array.from({ length: 5 }, () => gate<number>());
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      slots.run(() => {
        started.push(i);
        return g.promise;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect([slots.active, slots.waiting]).toEqual([2, 3]);

    gates[1]?.open(1);
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    expect([slots.active, slots.waiting]).toEqual([2, 2]);

    // A failed task frees its slot too, and its caller gets the failure.
    gates[0]?.fail(new Error('hash failed'));
    await expect(runs[0]).rejects.toThrow('hash failed');
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2, 3]);

    for (const [i, g] of gates.entries()) g.open(i);
    expect(await Promise.all(runs.slice(1))).toEqual([1, 2, 3, 4]);
    expect([slots.active, slots.waiting]).toEqual([0, 0]);
  });

  it('with a queue bound, a task that would join a full queue is not run and gets null', async () => {
    const slots = new Slots(1);
    const first = gate<string>();
    const held = slots.runUnlessQueued(() => first.promise, 1);
    let ran = 0;
    const queued = slots.runUnlessQueued(async () => {
      ran += 1;
      return 'queued';
    }, 1);
    expect([slots.active, slots.waiting]).toEqual([1, 1]);
    expect(slots.runUnlessQueued(async () => 'refused', 1)).toBeNull();
    // Without a bound a task still waits its turn.
    const patient = slots.run(async () => 'patient');
    expect(slots.waiting).toBe(2);
    first.open('first');
    expect(await Promise.all([held, queued, patient])).toEqual(['first', 'queued', 'patient']);
    expect(ran).toBe(1);
    // A free slot runs the task whatever the bound.
    expect(await slots.runUnlessQueued(async () => 'free', 0)).toBe('free');
  });

  it('`ahead` puts a task before those already waiting', async () => {
    const slots = new Slots(1);
    const first = gate<void>();
    const order: string[] = [];
    const runs = [
      slots.run(() => first.promise),
      slots.run(async () => void order.push('login 1')),
      slots.run(async () => void order.push('login 2')),
      slots.run(async () => void order.push('in a transaction'), { ahead: true }),
    ];
    expect(slots.waiting).toBe(3);
    first.open();
    await Promise.all(runs);
    expect(order).toEqual(['in a transaction', 'login 1', 'login 2']);
  });

  it('refuses a size that would never run anything', () => {
    expect(() => new Slots(0)).toThrow();
    expect(() => new Slots(1.5)).toThrow();
  });

  it('real argon2 hashes and verifications queue beyond the slots and all come out right', async () => {
    const size = passwordHashing.size;
    expect(size).toBe(hashSlotCount());
    const stored = await hashPassword('kata sandi yang panjang');
    const checks = [
      ...Array.from({ length: size + 2 }, () => verifyPassword(stored, 'kata sandi yang panjang')),
      verifyPassword(stored, 'kata sandi yang salah'),
    ];
    expect([passwordHashing.active, passwordHashing.waiting]).toEqual([size, 3]);
    const results = await Promise.all(checks);
    expect(results.map((r) => r.ok)).toEqual([...Array.from({ length: size + 2 }, () => true), false]);
    expect([passwordHashing.active, passwordHashing.waiting]).toEqual([0, 0]);
  });
});
