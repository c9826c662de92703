import type { KeyObject } from 'node:crypto';
import { sign } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { deviceTokenClaims } from './device-tokens.js';
import type { LicenseWithActivations } from './lookup-rows.js';
import { preparedLicenseLookup } from './lookup-rows.js';
import type { SignReply, SignRequest, ThreadLookup, ThreadVerdict, ValidateJob } from './signing-thread.js';
import { signingInput, tokenHeader } from './token.js';
import { validationVerdict } from './validate-verdict.js';

/*
 * The thread that signs license tokens and, on SQLite, runs whole validations (started by
 * SigningThread; its own bundle, dist/signing-worker.js). On the event loop an Ed25519 signature
 * costs ~30 µs synchronously, and even with a callback Node prepares and completes each job there
 * (~18 µs); the validate look-up costs the loop ~35 µs in place (a random key among 100,000 walks
 * B-tree pages the other threads push out of the caches). Here a batch of jobs is one message in
 * and one out, and the work runs off the loop.
 */

const port = parentPort;
if (!port) throw new Error('signing-worker runs as a worker thread (see signing-thread.ts)');

/** Keys by kid: a batch names its key, sent once per thread (a rotation sends the next). */
const keys = new Map<string, { header: string; privateKey: KeyObject }>();
/** A rotation keeps old keys only while batches signed with them may still be queued. */
const KEPT_KEYS = 4;

/**
 * The thread's own read-only connection to the server's database: in WAL mode each statement sees
 * every commit made before it began, so a license revoked a moment ago is answered revoked (nothing
 * is cached across requests).
 */
let licenses: { close(): void; find: (key: string) => LicenseWithActivations | null } | null = null;

function openLookup(setup: ThreadLookup) {
  licenses?.close();
  const db = new SqliteDatabase(setup.file, { readonly: true, fileMustExist: true });
  // As the server's connection (db/connect.ts): waits out a writer's lock within bounds, and keeps
  // the licenses' B-trees in memory-mapped pages rather than read() calls.
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -16384');
  db.pragma('mmap_size = 268435456');
  const statement = db.prepare(setup.sql);
  statement.raw(true);
  const columns = statement.columns().map((c) => c.name);
  const find = preparedLicenseLookup({ columns, all: (parameters) => statement.all(...parameters) as unknown[][] });
  licenses = { close: () => db.close(), find };
}

function signed(key: { header: string; privateKey: KeyObject }, claims: string): string {
  const input = signingInput(claims, key.header);
  return `${input}.${sign(null, Buffer.from(input, 'utf8'), key.privateKey).toString('base64url')}`;
}

/** One validation: the look-up, the verdict, and a token for a device that holds an activation. */
function validate(
  job: ValidateJob,
  key: { header: string; privateKey: KeyObject } | undefined,
  tokenFailed: (error: unknown) => void,
): ThreadVerdict {
  if (!licenses) throw new Error('the signing thread has no license look-up');
  const { result, touch } = validationVerdict(licenses.find(job.key), job, job.now);
  let token: string | null = null;
  if (result.ok && result.activation && job.fingerprint !== undefined) {
    // A signature that fails costs the token, not the answer.
    try {
      if (!key) throw new Error('the signing key was never sent to the signing thread');
      const claims = deviceTokenClaims(job, result.license.token, result.activation.id, job.fingerprint, job.now);
      token = signed(key, JSON.stringify(claims));
    } catch (error) {
      tokenFailed(error);
    }
  }
  return { result, token, touch, statements: 1 };
}

port.on('message', (request: SignRequest) => {
  if (request.privateKey) {
    keys.set(request.kid, { header: tokenHeader(request.kid), privateKey: request.privateKey });
    for (const kid of keys.keys()) if (keys.size > KEPT_KEYS) keys.delete(kid);
  }
  const key = keys.get(request.kid);
  const results: (string | ThreadVerdict | null)[] = [];
  let error: string | undefined;
  const failed = (caught: unknown) => {
    error ??= caught instanceof Error ? caught.message : String(caught);
  };
  try {
    if (request.lookup) openLookup(request.lookup);
  } catch (caught) {
    // This thread's validations then come back unanswered and run on the event loop.
    failed(caught);
  }
  for (const job of request.jobs) {
    try {
      if (typeof job !== 'string') results.push(validate(job, key, failed));
      else if (!key) throw new Error(`signing key ${request.kid} was never sent to the signing thread`);
      else results.push(signed(key, job));
    } catch (caught) {
      // One job lost, not the batch: a token's answer goes out without it, a validation runs on the loop.
      results.push(null);
      failed(caught);
    }
  }
  const reply: SignReply = error === undefined ? { id: request.id, results } : { id: request.id, results, error };
  port.postMessage(reply);
});
