// A signing thread whose every signature fails (the answer goes out without its token).
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', (request) =>
  parentPort?.postMessage({ id: request.id, tokens: request.claims.map(() => null), error: 'test: no signature' }),
);
