// A signing thread that dies on its first batch (the server must still answer with tokens).
import { parentPort } from 'node:worker_threads';

parentPort?.once('message', () => process.exit(3));
