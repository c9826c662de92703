import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import type { PhoneCheckAnswer, PhoneCheckRequest } from './phone-check-protocol.js';
import { bcryptjsHash } from './phone-check-protocol.js';

/*
 * A worker thread of the import (built as dist/legacy-phone-worker.js): one bcrypt comparison at a
 * time, synchronously, since this thread has nothing else to do. At PHP's default cost 10 a
 * comparison is ~100 ms of CPU; the import runs one worker per core.
 */
const port = parentPort;
if (!port) throw new Error('phone-check-worker must run as a worker thread');

port.on('message', (request: PhoneCheckRequest) => {
  let isPhone = false;
  try {
    isPhone = request.phone !== '' && bcrypt.compareSync(request.phone, bcryptjsHash(request.hash));
  } catch {
    isPhone = false; // a malformed hash is simply not the phone's
  }
  const answer: PhoneCheckAnswer = { id: request.id, isPhone };
  port.postMessage(answer);
});
