import type { KeyObject } from 'node:crypto';
import { sign } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { SignReply, SignRequest } from './signing-thread.js';
import { signingInput, tokenHeader } from './token.js';

/*
 * The thread that signs license tokens (started by SigningThread; its own bundle,
 * dist/signing-worker.js). On the event loop an Ed25519 signature costs ~30 µs synchronously, and
 * even with a callback Node prepares and completes each job there (~18 µs, plus waking a pool
 * thread that then competes with the loop for the same two cores). Here a whole batch of tokens is
 * one message in and one message out, and the signatures run one after another off the loop.
 */

const port = parentPort;
if (!port) throw new Error('signing-worker runs as a worker thread (see signing-thread.ts)');

/** Keys by kid: a batch names its key, sent once per thread (a rotation sends the next). */
const keys = new Map<string, { header: string; privateKey: KeyObject }>();
/** A rotation keeps old keys only while batches signed with them may still be queued. */
const KEPT_KEYS = 4;

port.on('message', (request: SignRequest) => {
  if (request.privateKey) {
    keys.set(request.kid, { header: tokenHeader(request.kid), privateKey: request.privateKey });
    for (const kid of keys.keys()) if (keys.size > KEPT_KEYS) keys.delete(kid);
  }
  const key = keys.get(request.kid);
  const tokens: (string | null)[] = [];
  let error: string | undefined;
  for (const claims of request.claims) {
    try {
      if (!key) throw new Error(`signing key ${request.kid} was never sent to the signing thread`);
      const input = signingInput(claims, key.header);
      tokens.push(`${input}.${sign(null, Buffer.from(input, 'utf8'), key.privateKey).toString('base64url')}`);
    } catch (caught) {
      // One token lost, not the batch: its answer goes out without a token.
      tokens.push(null);
      error ??= caught instanceof Error ? caught.message : String(caught);
    }
  }
  const reply: SignReply = error === undefined ? { id: request.id, tokens } : { id: request.id, tokens, error };
  port.postMessage(reply);
});
