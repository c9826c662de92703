import { Worker } from 'node:worker_threads';
import type { StartTouchWorker } from '../../src/licenses/index.js';

const BOOTSTRAP = new URL('./ts-worker.mjs', import.meta.url);
const TOUCH_WORKER = new URL('../../src/licenses/touch-worker.ts', import.meta.url);

/**
 * The "last validated" writer's thread from its TypeScript source, as tests run the app (the server
 * starts the built dist/touch-worker.js).
 */
export const startSourceTouchWorker: StartTouchWorker = (workerData) =>
  new Worker(BOOTSTRAP, { workerData, argv: [TOUCH_WORKER.href] });
