import type { KeyObject } from 'node:crypto';
import { createPrivateKey } from 'node:crypto';
import type { Kysely } from 'kysely';
import { SYSTEM_ACTOR } from '../audit/index.js';
import type { Database } from '../db/index.js';
import type { Log } from '../logger.js';
import type { KeySecrets } from './signing-keys.js';
import { ensureActiveKey, KEY_REFRESH_MS, openPrivateKey, publishedKeys, rotateSigningKey } from './signing-keys.js';
import type { StartSigningWorker } from './signing-thread.js';
import { SigningThread } from './signing-thread.js';
import type { LicenseJwk, LicenseTokenClaims } from './token.js';

interface LoadedKey {
  kid: string;
  privateKey: KeyObject;
  loadedAt: number;
}

/** How long the published key set is answered from memory (a flood of JWKS requests reads the table once). */
const JWKS_CACHE_MS = 10_000;

/**
 * Signs license tokens with the active key, loaded from the database at most once a minute
 * (validation is the API's hot path: no query per token). The signatures run on a thread of their
 * own, in batches (SigningThread), so the event loop only builds each token's claims.
 * A key sealed under another COOKIE_SECRET (the operator changed it) cannot be opened: it is
 * retired like in a rotation (its public half stays published, old tokens keep verifying) and a
 * new key signs from then on.
 */
export class LicenseTokenSigner {
  private key: LoadedKey | null = null;
  private loading: Promise<LoadedKey> | null = null;
  private jwks: { keys: LicenseJwk[]; at: number } | null = null;
  private readonly thread: SigningThread;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      now: () => number;
      log: Log;
      secrets: KeySecrets;
      /** Starts the signing thread: the bundle's dist/signing-worker.js unless given. */
      startWorker?: StartSigningWorker | undefined;
    },
  ) {
    this.thread = new SigningThread({ log: deps.log, start: deps.startWorker });
  }

  sign(claims: LicenseTokenClaims): Promise<string> {
    const key = this.key;
    // The hot path: the cached key, taken without awaiting a promise.
    if (key && this.deps.now() - key.loadedAt < KEY_REFRESH_MS) return this.thread.sign(key, JSON.stringify(claims));
    return this.activeKey().then((loaded) => this.thread.sign(loaded, JSON.stringify(claims)));
  }

  /** Signs the tokens already asked for, then stops the signing thread. */
  close(): Promise<void> {
    return this.thread.close();
  }

  /** The key set apps verify with (creating the first key, so an app can fetch it before any token). */
  async publishedKeys(): Promise<LicenseJwk[]> {
    const now = this.deps.now();
    if (this.jwks && now - this.jwks.at < JWKS_CACHE_MS) return this.jwks.keys;
    await this.activeKey();
    const keys = await publishedKeys(this.deps.db, now);
    this.jwks = { keys, at: now };
    return keys;
  }

  private async activeKey(): Promise<LoadedKey> {
    const now = this.deps.now();
    if (this.key && now - this.key.loadedAt < KEY_REFRESH_MS) return this.key;
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    this.key = await this.loading;
    return this.key;
  }

  private async load(): Promise<LoadedKey> {
    const { db, secrets, log } = this.deps;
    const now = this.deps.now();
    let row = await ensureActiveKey(db, secrets.masterSecret, now);
    let d = openPrivateKey(row, secrets.masterSecret);
    if (d === null) {
      log.warn(
        { kid: row.kid },
        'license signing key cannot be opened (COOKIE_SECRET changed?): rotating to a new key',
      );
      row = await rotateSigningKey(db, secrets, { now, actor: SYSTEM_ACTOR, reason: 'unreadable' });
      this.jwks = null;
      d = openPrivateKey(row, secrets.masterSecret);
      if (d === null) throw new Error('a freshly created license signing key cannot be opened');
    }
    const privateKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: row.public_key, d },
      format: 'jwk',
    });
    return { kid: row.kid, privateKey, loadedAt: now };
  }
}
