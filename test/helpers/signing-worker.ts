import { Worker } from 'node:worker_threads';
import type { StartSigningWorker } from '../../src/licenses/index.js';

const BOOTSTRAP = new URL('./ts-worker.mjs', import.meta.url);
const SIGNING_WORKER = new URL('../../src/licenses/signing-worker.ts', import.meta.url);

/**
 * The license tokens' signing thread from its TypeScript source, as tests run the app (the server
 * starts the built dist/signing-worker.js).
 */
export const startSourceSigningWorker: StartSigningWorker = () =>
  new Worker(BOOTSTRAP, { argv: [SIGNING_WORKER.href] });
