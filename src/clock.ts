import { randomBytes } from 'node:crypto';

/** Time and randomness reach services through these, so tests can control both. */
export interface Runtime {
  now(): number;
  randomBytes(size: number): Buffer;
}

const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * CSPRNG bytes, drawn from a pooled buffer: each webhook needs a few small draws (license key,
 * order and transaction numbers), and one OpenSSL call per draw cost ~4% of a request's CPU.
 * Every caller gets its own copy; no byte is handed out twice.
 */
function pooledRandomBytes(size: number): Buffer {
  if (size > POOL_SIZE / 8) return randomBytes(size);
  if (offset + size > pool.length) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return out;
}

export const systemRuntime: Runtime = {
  now: () => Date.now(),
  randomBytes: pooledRandomBytes,
};
