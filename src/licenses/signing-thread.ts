import type { KeyObject } from 'node:crypto';
import { sign } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Log } from '../logger.js';
import { signingInput, tokenHeader } from './token.js';

/** A batch of tokens to sign with one key; its private half only in the thread's first batch for it. */
export interface SignRequest {
  id: number;
  kid: string;
  privateKey?: KeyObject;
  /** The claims of each token, as JSON. */
  claims: readonly string[];
}
/** The tokens in request order; null where that one could not be signed (`error` says why). */
export interface SignReply {
  id: number;
  tokens: readonly (string | null)[];
  error?: string;
}

/** Starts the thread running signing-worker.ts (see startBundledSigningWorker). */
export type StartSigningWorker = () => Worker;

/**
 * The server runs as one bundle, dist/gerbang.js, and the thread is a bundle of its own beside it
 * (scripts/build.mjs), dist/signing-worker.js. Run from the TypeScript sources, Node cannot start a
 * .ts thread by itself: tests pass a starter that can (test/helpers/signing-worker.ts), and anything else
 * signs on the event loop.
 */
export const startBundledSigningWorker: StartSigningWorker = () => {
  if (import.meta.url.endsWith('.ts'))
    throw new Error('running from source: pass startSigningWorker (or run the bundle: npm run build)');
  return new Worker(new URL('./signing-worker.js', import.meta.url));
};

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

interface Pending {
  claims: string;
  resolve: (token: string) => void;
  reject: (error: Error) => void;
}

interface Batch {
  id: number;
  key: SigningKey;
  items: Pending[];
  timer?: NodeJS.Timeout;
}

/** A batch unanswered this long means a stuck thread: it is replaced and the batch signed here. */
const DEFAULT_BATCH_TIMEOUT_MS = 5_000;
/**
 * Tokens per message at most. One message per loop turn made the requests move in waves: the loop
 * read a whole wave (16 at the bench's 16 connections), then idled while the thread signed all of
 * it. Capped, the thread signs the first tokens while the loop still reads the rest (measured at
 * 16 connections: the loop busy 82 % instead of 75 %, ~10 % more validations/s; 4 and 8 did the
 * same, 16 and "send at once when the thread is idle" no better than no cap).
 */
const MAX_BATCH = 8;
/** Threads lost in a row before answering anything: past this, signing stays on the event loop. */
const MAX_LOST_THREADS = 3;

/**
 * Signs license tokens on a worker thread, in batches: the tokens asked for in one turn of the
 * event loop go out as one message (setImmediate collects them), or several of at most MAX_BATCH,
 * and come back as one each, so the loop's share of a token is building its claims. A thread that
 * exits, fails or stops answering is replaced, and the tokens it held are signed here on the loop
 * instead (an answer keeps its token); after MAX_LOST_THREADS such losses in a row, and when no
 * thread can be started, every token is signed here (crypto.sign on libuv's pool, as before the
 * thread).
 */
export class SigningThread {
  private worker: Worker | null = null;
  /** The kids whose private key the current thread holds. */
  private readonly sentKeys = new Set<string>();
  private collecting: Batch | null = null;
  private readonly inFlight = new Map<number, Batch>();
  private nextId = 0;
  private lostInARow = 0;
  private onEventLoop = false;
  private closed = false;
  private drained: (() => void) | null = null;
  private readonly flushNow = () => this.flush();

  constructor(
    private readonly options: {
      log: Log;
      start?: StartSigningWorker | undefined;
      batchTimeoutMs?: number | undefined;
      /** Tokens per message at most (default MAX_BATCH). */
      maxBatch?: number | undefined;
    },
  ) {}

  /** A compact JWS over `claims` (JSON) with `key`; rejects when it cannot be signed. */
  sign(key: SigningKey, claims: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let batch = this.collecting;
      if (batch && batch.key.kid !== key.kid) {
        this.flush();
        batch = null;
      }
      if (!batch) {
        batch = { id: this.nextId++, key, items: [] };
        this.collecting = batch;
        setImmediate(this.flushNow);
      }
      batch.items.push({ claims, resolve, reject });
      // A full batch goes now: the thread signs it while the loop still reads the next requests.
      if (batch.items.length >= (this.options.maxBatch ?? MAX_BATCH)) this.flush();
    });
  }

  /** Signs what was asked for, waits for every batch out, then stops the thread. */
  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    if (this.inFlight.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private flush(): void {
    const batch = this.collecting;
    if (!batch) return;
    this.collecting = null;
    const worker = this.closed || this.onEventLoop ? null : (this.worker ?? this.startWorker());
    if (!worker) {
      signOnEventLoop(batch);
      return;
    }
    const request: SignRequest = { id: batch.id, kid: batch.key.kid, claims: batch.items.map((i) => i.claims) };
    if (!this.sentKeys.has(batch.key.kid)) {
      request.privateKey = batch.key.privateKey;
      this.sentKeys.add(batch.key.kid);
    }
    this.inFlight.set(batch.id, batch);
    batch.timer = setTimeout(
      () => this.lose(worker, new Error('the signing thread stopped answering')),
      this.options.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS,
    );
    batch.timer.unref();
    worker.postMessage(request);
  }

  private startWorker(): Worker | null {
    let worker: Worker;
    try {
      worker = (this.options.start ?? startBundledSigningWorker)();
    } catch (error) {
      this.onEventLoop = true;
      this.options.log.warn({ err: error }, 'license tokens: no signing thread, signing on the event loop');
      return null;
    }
    worker.unref();
    worker.on('message', (reply: SignReply) => this.answer(reply));
    worker.on('error', (error) => this.lose(worker, error));
    worker.on('exit', (code) => this.lose(worker, new Error(`the signing thread exited with ${code}`)));
    this.worker = worker;
    this.sentKeys.clear();
    return worker;
  }

  private answer(reply: SignReply): void {
    const batch = this.inFlight.get(reply.id);
    if (!batch) return;
    this.settle(batch);
    this.lostInARow = 0;
    if (reply.error !== undefined)
      this.options.log.error({ error: reply.error }, 'license tokens: the signing thread could not sign');
    batch.items.forEach((item, i) => {
      const token = reply.tokens[i];
      if (typeof token === 'string') item.resolve(token);
      else item.reject(new Error(reply.error ?? 'license token not signed'));
    });
  }

  /** The thread is gone (or stuck): what it held is signed here, and the next batch starts a new one. */
  private lose(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    void worker.terminate();
    this.lostInARow++;
    const stranded = [...this.inFlight.values()];
    for (const batch of stranded) this.settle(batch);
    if (this.lostInARow >= MAX_LOST_THREADS) this.onEventLoop = true;
    this.options.log.error(
      { err: error, tokens: stranded.reduce((n, b) => n + b.items.length, 0) },
      this.onEventLoop
        ? 'license tokens: signing thread lost again, signing on the event loop from now on'
        : 'license tokens: signing thread lost, its tokens signed on the event loop',
    );
    for (const batch of stranded) signOnEventLoop(batch);
  }

  private settle(batch: Batch): void {
    clearTimeout(batch.timer);
    this.inFlight.delete(batch.id);
    if (this.inFlight.size === 0 && this.drained) {
      this.drained();
      this.drained = null;
    }
  }
}

/** crypto.sign with a callback: the signature itself runs on libuv's pool. */
function signOnEventLoop(batch: Batch): void {
  const header = tokenHeader(batch.key.kid);
  for (const item of batch.items) {
    const input = signingInput(item.claims, header);
    sign(null, Buffer.from(input, 'utf8'), batch.key.privateKey, (error, signature) =>
      error ? item.reject(error) : item.resolve(`${input}.${signature.toString('base64url')}`),
    );
  }
}
