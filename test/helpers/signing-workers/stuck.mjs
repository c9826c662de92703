// A signing thread that takes batches and never answers (the server must not wait forever).
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', () => {});
