import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TouchWriter } from '../../src/licenses/touch-writer.js';
import {
  BUSY_FLUSH_DELAY_MS,
  BUSY_RATE,
  FLUSH_DELAY_MS,
  ValidationTouches,
} from '../../src/licenses/validation-touches.js';

/** A writer that keeps each batch it is given. */
function recordingWriter() {
  const batches: Map<number, number>[] = [];
  const writer: TouchWriter = {
    async write(touches) {
      batches.push(new Map(touches));
    },
    async close() {},
  };
  return { batches, writer };
}

describe('"last validated" batches', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('are written 100 ms apart at a moderate rate and a second apart from BUSY_RATE, then 100 ms again', async () => {
    vi.useFakeTimers();
    const { batches, writer } = recordingWriter();
    const touches = new ValidationTouches(writer, (error) => {
      throw error;
    });
    let id = 0;
    const record = (n: number) => {
      for (let i = 0; i < n; i++) touches.record(++id, 1_000 + id);
    };

    // A few validations: written FLUSH_DELAY_MS after the first, not a second later.
    record(5);
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS - 1);
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches.map((b) => b.size)).toEqual([5]);

    // A batch gathered at BUSY_RATE or faster: the next one waits BUSY_FLUSH_DELAY_MS.
    record((BUSY_RATE * FLUSH_DELAY_MS) / 1000);
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    expect(batches).toHaveLength(2);
    record(10);
    await vi.advanceTimersByTimeAsync(BUSY_FLUSH_DELAY_MS - 1);
    expect(batches).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches.map((b) => b.size)).toEqual([5, 300, 10]);

    // Ten in a second is a moderate rate again: back to FLUSH_DELAY_MS.
    record(1);
    await vi.advanceTimersByTimeAsync(FLUSH_DELAY_MS);
    expect(batches.map((b) => b.size)).toEqual([5, 300, 10, 1]);

    // Every time is written once, with its own value.
    const written = new Map(batches.flatMap((b) => [...b]));
    expect(written.size).toBe(id);
    expect(written.get(7)).toBe(1_007);
    await touches.close();
  });

  it('close writes what is pending at once', async () => {
    const { batches, writer } = recordingWriter();
    const touches = new ValidationTouches(writer, (error) => {
      throw error;
    });
    touches.record(1, 10);
    touches.record(2, 20);
    await touches.close();
    expect(batches.map((b) => [...b])).toEqual([
      [
        [1, 10],
        [2, 20],
      ],
    ]);
  });
});
