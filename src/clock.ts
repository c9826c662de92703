import { randomBytes } from 'node:crypto';

/** Time and randomness reach services through these, so tests can control both. */
export interface Runtime {
  now(): number;
  randomBytes(size: number): Buffer;
}

export const systemRuntime: Runtime = {
  now: () => Date.now(),
  randomBytes: (size) => randomBytes(size),
};
