// The real signing thread, never given a private key: every signature fails (its answer goes out
// without a token), while a validation's look-up and verdict still run.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const on = parentPort.on.bind(parentPort);
parentPort.on = (event, listener) =>
  on(event, event === 'message' ? (request) => listener({ ...request, privateKey: undefined }) : listener);
await import(new URL('../../../src/licenses/signing-worker.ts', import.meta.url).href);
