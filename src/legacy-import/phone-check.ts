import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PhoneCheckAnswer, PhoneCheckRequest } from './phone-check-protocol.js';

const WORKER_FILE = 'legacy-phone-worker.js';

/**
 * The built worker: beside the bundle (dist/gerbang.js → dist/legacy-phone-worker.js), or, when
 * this module runs from source (tests, benches), in dist/ of the project (`npm run build`).
 */
function workerPath(): string {
  const candidates = [
    new URL(`./${WORKER_FILE}`, import.meta.url),
    new URL(`../../dist/${WORKER_FILE}`, import.meta.url),
  ];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  throw new Error(`${WORKER_FILE} tidak ditemukan: jalankan \`npm run build\` dulu`);
}

export interface PhoneJob {
  phone: string;
  hash: string;
}

/**
 * Answers "is this bcrypt hash still the hash of the phone number?" for many members, on worker
 * threads (one per core by default): bcrypt is deliberately slow, and 10,000 comparisons on the
 * main thread would take a quarter of an hour.
 */
export class PhoneChecker {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (isPhone: boolean) => void; reject: (e: Error) => void }>();
  private readonly queue: PhoneCheckRequest[] = [];
  private readonly idle: Worker[] = [];
  private nextId = 1;
  private failure: Error | null = null;

  constructor(size = availableParallelism()) {
    const path = workerPath();
    this.workers = Array.from({ length: Math.max(1, size) }, () => {
      const worker = new Worker(path);
      worker.on('message', (answer: PhoneCheckAnswer) => {
        this.pending.get(answer.id)?.resolve(answer.isPhone);
        this.pending.delete(answer.id);
        this.dispatch(worker);
      });
      // A worker that dies (out of memory, a bug) fails the import instead of leaving it waiting.
      worker.on('error', (error) => {
        this.failure = error;
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
      });
      this.idle.push(worker);
      return worker;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  private dispatch(worker: Worker): void {
    const next = this.queue.shift();
    if (next) worker.postMessage(next);
    else this.idle.push(worker);
  }

  /** One answer per job, in order. */
  async check(jobs: readonly PhoneJob[]): Promise<boolean[]> {
    if (this.failure) throw this.failure;
    const answers = jobs.map(
      (job) =>
        new Promise<boolean>((resolve, reject) => {
          const id = this.nextId++;
          this.pending.set(id, { resolve, reject });
          this.queue.push({ id, phone: job.phone, hash: job.hash });
        }),
    );
    while (this.queue.length > 0 && this.idle.length > 0) {
      const worker = this.idle.pop();
      if (worker) this.dispatch(worker);
    }
    return Promise.all(answers);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
