import { Worker } from 'node:worker_threads';
import type { StartMailThread } from '../../src/mail/index.js';

const BOOTSTRAP = new URL('./ts-worker.mjs', import.meta.url);
const MAIL_THREAD = new URL('../../src/mail-thread.ts', import.meta.url);

/**
 * The SQLite mail worker's thread from its TypeScript source, as tests run the server in-process
 * (the built server starts dist/mail-thread.js).
 */
export const startSourceMailThread: StartMailThread = (workerData) =>
  new Worker(BOOTSTRAP, { workerData, argv: [MAIL_THREAD.href] });
