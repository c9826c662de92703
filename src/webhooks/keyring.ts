import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import type { Database, WebhookProvider, WebhookSigningKeyRow } from '../db/index.js';
import type { Log } from '../logger.js';
import type { KeyMatch, SigningKeys } from './signing-keys.js';

/**
 * The keys every instance verifies webhooks with. Kept in the database (`gerbang keys webhook …`),
 * so a rotation reaches all instances at once and no restart order matters; the environment's
 * LYNK_MERCHANT_KEY / HESDA_SECRET_KEY (with their _PREVIOUS) apply while the database holds no key
 * for that provider. Read at most every few seconds, and again (at most once a second) when a
 * signature matched nothing: a key added a moment ago on another instance verifies here at once.
 */
export interface WebhookKeyring {
  keys(provider: WebhookProvider): Promise<SigningKeys | undefined>;
  /** Re-reads after a miss; the fresh keys when they differ from what was used, else undefined. */
  reloadAfterMiss(provider: WebhookProvider): Promise<SigningKeys | undefined>;
}

export type EnvKeys = Readonly<Record<WebhookProvider, SigningKeys | undefined>>;

/** The webhook keys of the environment: the keyring's answer while the database holds none. */
export function webhookEnvKeys(config: Config): EnvKeys {
  return {
    lynk: { current: config.lynkMerchantKey, previous: config.lynkMerchantKeyPrevious },
    hesda: config.ppob.secretKey
      ? { current: config.ppob.secretKey, previous: config.ppob.secretKeyPrevious }
      : undefined,
  };
}

const FRESH_MS = 5000;
const MISS_RELOAD_MS = 1000;

/** The keys the stored rows give: the newest without expiry is current, the newest still open is previous. */
export function keysFromRows(rows: readonly WebhookSigningKeyRow[], now: number): SigningKeys | undefined {
  const newestFirst = [...rows].sort((a, b) => b.id - a.id);
  const current = newestFirst.find((row) => row.expires_at === null);
  if (!current) return undefined;
  const previous = newestFirst.find((row) => row.expires_at !== null && row.expires_at > now && row.id !== current.id);
  return {
    current: current.secret,
    previous: previous ? { key: previous.secret, until: previous.expires_at ?? undefined } : undefined,
  };
}

export function databaseKeyring(options: {
  db: Kysely<Database>;
  env: EnvKeys;
  now: () => number;
  log: Log;
}): WebhookKeyring {
  const cache = new Map<WebhookProvider, { keys: SigningKeys | undefined; loadedAt: number }>();
  const loading = new Map<WebhookProvider, Promise<SigningKeys | undefined>>();
  /** When a miss last caused a read: a flood of forged signatures costs one read a second, not one each. */
  const missReloads = new Map<WebhookProvider, number>();

  const load = (provider: WebhookProvider): Promise<SigningKeys | undefined> => {
    const pending = loading.get(provider);
    if (pending) return pending;
    const started = options.now();
    const next = options.db
      .selectFrom('webhook_signing_keys')
      .selectAll()
      .where('provider', '=', provider)
      .execute()
      .then((rows) => {
        const keys = keysFromRows(rows, started) ?? options.env[provider];
        cache.set(provider, { keys, loadedAt: started });
        return keys;
      })
      .catch((error: unknown) => {
        // The database unreachable: verify with what was known (the delivery itself will answer 503).
        options.log.warn({ err: error, provider }, 'webhook keys could not be read; using the last known');
        const known = cache.get(provider);
        cache.set(provider, { keys: known ? known.keys : options.env[provider], loadedAt: started });
        return known ? known.keys : options.env[provider];
      })
      .finally(() => loading.delete(provider));
    loading.set(provider, next);
    return next;
  };

  return {
    async keys(provider) {
      const cached = cache.get(provider);
      if (!cached) return load(provider);
      // Stale: answered from memory while one read refreshes it (a delivery never waits for it).
      if (options.now() - cached.loadedAt >= FRESH_MS) void load(provider);
      return cached.keys;
    },
    async reloadAfterMiss(provider) {
      const cached = cache.get(provider);
      const now = options.now();
      if (now - (missReloads.get(provider) ?? Number.NEGATIVE_INFINITY) < MISS_RELOAD_MS) return undefined;
      missReloads.set(provider, now);
      const fresh = await load(provider);
      return sameKeys(fresh, cached?.keys) ? undefined : fresh;
    },
  };
}

/** The environment's keys only (tests and tools that build deps by hand). */
export function staticKeyring(env: EnvKeys): WebhookKeyring {
  return { keys: async (provider) => env[provider], reloadAfterMiss: async () => undefined };
}

/** Matches with the current keys and, after a miss, once more with freshly read ones. */
export async function matchWithKeyring(
  keyring: WebhookKeyring,
  provider: WebhookProvider,
  match: (keys: SigningKeys) => KeyMatch,
): Promise<{ matched: KeyMatch; configured: boolean }> {
  const keys = await keyring.keys(provider);
  const first = keys ? match(keys) : null;
  if (first !== null) return { matched: first, configured: true };
  const fresh = await keyring.reloadAfterMiss(provider);
  if (fresh) return { matched: match(fresh), configured: true };
  return { matched: null, configured: keys !== undefined };
}

function sameKeys(a: SigningKeys | undefined, b: SigningKeys | undefined): boolean {
  return (
    a?.current === b?.current && a?.previous?.key === b?.previous?.key && a?.previous?.until === b?.previous?.until
  );
}
