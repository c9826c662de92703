import { generateKeyPairSync } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LicenseJwk, LicenseTokenClaims, StartSigningWorker } from '../../src/licenses/index.js';
import { verifyLicenseToken } from '../../src/licenses/index.js';
import type { SigningKey, SignRequest } from '../../src/licenses/signing-thread.js';
import { SigningThread } from '../../src/licenses/signing-thread.js';
import { jwkThumbprint, publicJwk } from '../../src/licenses/token.js';
import { startSourceSigningWorker } from '../helpers/signing-worker.js';

const NOW = Date.UTC(2026, 11, 4);

function newKey(): { key: SigningKey; jwk: LicenseJwk } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = String(publicKey.export({ format: 'jwk' }).x);
  return { key: { kid: jwkThumbprint(x), privateKey }, jwk: publicJwk(x) };
}

function claims(i: number): LicenseTokenClaims {
  const exp = Math.floor(NOW / 1000) + 86_400;
  return {
    iss: 'http://127.0.0.1:3000',
    key: `KEI-TEST-${i}`,
    product: { uuid: 'p-1', title: 'Kasir "Offline" ✓' },
    fingerprint: `device-${i}`,
    activation_id: i,
    max_devices: 2,
    expires_at: null,
    iat: Math.floor(NOW / 1000),
    valid_until: exp,
    exp,
  };
}

/** A starter that counts the threads it starts and the batches they are sent. */
function counting(start: StartSigningWorker) {
  const seen = { started: 0, exited: 0, batches: [] as number[] };
  const wrapped: StartSigningWorker = () => {
    const worker = start();
    seen.started++;
    worker.once('exit', () => seen.exited++);
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (request: SignRequest) => {
      seen.batches.push(request.claims.length);
      post(request);
    };
    return worker;
  };
  return { seen, start: wrapped };
}

const helperWorker = (name: string): StartSigningWorker => {
  const url = new URL(`../helpers/signing-workers/${name}.mjs`, import.meta.url);
  return () => new Worker(url);
};

function recordingLog() {
  const lines: { level: string; msg: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, messages: () => lines.map((l) => l.msg) };
}

describe('license tokens signed on a thread in batches', () => {
  let thread: SigningThread | null = null;
  afterEach(async () => {
    await thread?.close();
    thread = null;
  });

  it('many tokens asked for at once all verify, and reach the thread in messages of eight, not one each', async () => {
    const { key, jwk } = newKey();
    const { seen, start } = counting(startSourceSigningWorker);
    thread = new SigningThread({ log: pino({ level: 'silent' }), start });
    const tokens = await Promise.all(
      Array.from({ length: 203 }, (_, i) => thread?.sign(key, JSON.stringify(claims(i)))),
    );
    for (const [i, token] of tokens.entries()) {
      const check = verifyLicenseToken(token ?? '', [jwk], NOW);
      expect(check).toEqual({ ok: true, claims: claims(i), kid: key.kid });
    }
    expect(seen.started).toBe(1);
    expect(seen.batches).toEqual([...Array.from({ length: 25 }, () => 8), 3]);
  });

  it('a full batch goes to the thread at once, before the turn of the event loop ends', async () => {
    const { key, jwk } = newKey();
    const { seen, start } = counting(startSourceSigningWorker);
    thread = new SigningThread({ log: pino({ level: 'silent' }), start, maxBatch: 3 });
    const asked = Array.from({ length: 4 }, (_, i) => thread?.sign(key, JSON.stringify(claims(i))));
    // The thread already holds the first three (the loop could go on reading requests meanwhile).
    expect(seen.batches).toEqual([3]);
    const tokens = await Promise.all(asked);
    expect(seen.batches).toEqual([3, 1]);
    for (const token of tokens) expect(verifyLicenseToken(token ?? '', [jwk], NOW).ok).toBe(true);
  });

  it('tokens asked for with two keys at once (a rotation) are each signed with their own key', async () => {
    const [a, b] = [newKey(), newKey()];
    thread = new SigningThread({ log: pino({ level: 'silent' }), start: startSourceSigningWorker });
    const asked = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? a : b));
    const tokens = await Promise.all(asked.map((k, i) => thread?.sign(k.key, JSON.stringify(claims(i)))));
    for (const [i, token] of tokens.entries()) {
      const own = asked[i];
      expect(verifyLicenseToken(token ?? '', [own?.jwk as LicenseJwk], NOW).ok).toBe(true);
    }
  });

  it('a thread that dies holding a batch: its tokens are signed on the event loop, a new thread is started', async () => {
    const { key, jwk } = newKey();
    const { seen, start } = counting(helperWorker('dying'));
    const { log, messages } = recordingLog();
    thread = new SigningThread({ log, start });
    const first = await Promise.all(Array.from({ length: 20 }, (_, i) => thread?.sign(key, JSON.stringify(claims(i)))));
    for (const token of first) expect(verifyLicenseToken(token ?? '', [jwk], NOW).ok).toBe(true);
    expect(messages()).toContain('license tokens: signing thread lost, its tokens signed on the event loop');
    const second = await thread.sign(key, JSON.stringify(claims(99)));
    expect(verifyLicenseToken(second, [jwk], NOW).ok).toBe(true);
    expect(seen.started).toBe(2);
  });

  it('after three threads lost in a row, tokens are signed on the event loop and no thread is started again', async () => {
    const { key, jwk } = newKey();
    const { seen, start } = counting(helperWorker('dying'));
    const { log, messages } = recordingLog();
    thread = new SigningThread({ log, start });
    for (let round = 0; round < 5; round++) {
      const token = await thread.sign(key, JSON.stringify(claims(round)));
      expect(verifyLicenseToken(token, [jwk], NOW).ok).toBe(true);
    }
    expect(seen.started).toBe(3);
    expect(messages()).toContain('license tokens: signing thread lost again, signing on the event loop from now on');
  });

  it('a thread that stops answering is replaced: the batch it held is signed on the event loop', async () => {
    const { key, jwk } = newKey();
    const { seen, start } = counting(helperWorker('stuck'));
    thread = new SigningThread({ log: pino({ level: 'silent' }), start, batchTimeoutMs: 50 });
    const token = await thread.sign(key, JSON.stringify(claims(1)));
    expect(verifyLicenseToken(token, [jwk], NOW).ok).toBe(true);
    // The stuck thread was terminated, not left running beside its successor.
    await vi.waitFor(() => expect(seen.exited).toBe(1));
    expect(seen.started).toBe(1);
  });

  it('without a thread (none can be started) tokens are signed on the event loop', async () => {
    const { key, jwk } = newKey();
    const { log, messages } = recordingLog();
    thread = new SigningThread({
      log,
      start: () => {
        throw new Error('no thread here');
      },
    });
    const tokens = await Promise.all([1, 2, 3].map((i) => thread?.sign(key, JSON.stringify(claims(i)))));
    for (const token of tokens) expect(verifyLicenseToken(token ?? '', [jwk], NOW).ok).toBe(true);
    expect(messages()).toEqual(['license tokens: no signing thread, signing on the event loop']);
  });

  it('a signature the thread could not make rejects that token, and the error is logged', async () => {
    const { key } = newKey();
    const { log, messages } = recordingLog();
    thread = new SigningThread({ log, start: helperWorker('refusing') });
    await expect(thread.sign(key, JSON.stringify(claims(1)))).rejects.toThrow('test: no signature');
    expect(messages()).toContain('license tokens: the signing thread could not sign');
  });

  it('close signs every token already asked for, then stops the thread', async () => {
    const { key, jwk } = newKey();
    const { seen, start } = counting(startSourceSigningWorker);
    const closing = new SigningThread({ log: pino({ level: 'silent' }), start });
    const asked = Array.from({ length: 30 }, (_, i) => closing.sign(key, JSON.stringify(claims(i))));
    await Promise.all(asked);
    // Asked for in the same turn as close: still being collected into a batch when it is called.
    const more = Array.from({ length: 5 }, (_, i) => closing.sign(key, JSON.stringify(claims(100 + i))));
    await closing.close();
    for (const token of await Promise.all(more)) expect(verifyLicenseToken(token, [jwk], NOW).ok).toBe(true);
    expect(seen.exited).toBe(1);
  });
});
