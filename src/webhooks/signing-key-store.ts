import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Database, WebhookProvider } from '../db/index.js';
import type { EnvKeys } from './keyring.js';
import { keysFromRows } from './keyring.js';

/** The operator's view of the webhook keys (`gerbang webhook-keys list|add|retire`, the console). */
export interface SigningKeyListing {
  id: number | null;
  provider: WebhookProvider;
  /** First 12 hex digits of the key's SHA-256: tells keys apart without showing them. */
  fingerprint: string;
  status: 'current' | 'previous' | 'expired';
  expiresAt: number | null;
  source: 'database' | 'environment';
  createdAt: number | null;
}

export function keyFingerprint(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 12);
}

export async function listSigningKeys(
  db: Kysely<Database>,
  env: EnvKeys,
  now: number,
  provider?: WebhookProvider,
): Promise<SigningKeyListing[]> {
  const providers: WebhookProvider[] = provider ? [provider] : ['lynk', 'hesda'];
  const listing: SigningKeyListing[] = [];
  for (const p of providers) {
    const rows = await db
      .selectFrom('webhook_signing_keys')
      .selectAll()
      .where('provider', '=', p)
      .orderBy('id', 'desc')
      .execute();
    const current = rows.find((row) => row.expires_at === null);
    if (current) {
      const previous = rows.find((row) => row.expires_at !== null && row.expires_at > now);
      for (const row of rows)
        listing.push({
          id: row.id,
          provider: p,
          fingerprint: keyFingerprint(row.secret),
          status: row === current ? 'current' : row === previous ? 'previous' : 'expired',
          expiresAt: row.expires_at,
          source: 'database',
          createdAt: row.created_at,
        });
      continue;
    }
    const keys = env[p];
    if (!keys) continue;
    listing.push({
      id: null,
      provider: p,
      fingerprint: keyFingerprint(keys.current),
      status: 'current',
      expiresAt: null,
      source: 'environment',
      createdAt: null,
    });
    if (keys.previous)
      listing.push({
        id: null,
        provider: p,
        fingerprint: keyFingerprint(keys.previous.key),
        status: keys.previous.until === undefined || keys.previous.until > now ? 'previous' : 'expired',
        expiresAt: keys.previous.until ?? null,
        source: 'environment',
        createdAt: null,
      });
  }
  return listing;
}

export type AddKeyResult = { ok: true; id: number; previousUntil: number | null } | { ok: false; reason: 'SAME_KEY' };

/**
 * A new current key. The key it replaces keeps verifying until `now + previousValidMs` (the sender
 * switches at a moment we do not control); an older previous one ends now (one previous at a time).
 * The first key added for a provider takes over from the environment's: that key becomes the
 * previous one, so the deliveries still signed with it keep passing.
 */
export async function addSigningKey(
  db: Kysely<Database>,
  env: EnvKeys,
  input: { provider: WebhookProvider; secret: string; previousValidMs: number; now: number },
  actor: AuditActor,
): Promise<AddKeyResult> {
  const { provider, secret, now } = input;
  const until = now + input.previousValidMs;
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('webhook_signing_keys').selectAll().where('provider', '=', provider).execute();
    const active = rows.filter((row) => row.expires_at === null || row.expires_at > now);
    const envCurrent = env[provider]?.current;
    if (active.some((row) => row.secret === secret) || (rows.length === 0 && envCurrent === secret))
      return { ok: false, reason: 'SAME_KEY' } as const;
    const hadCurrent = rows.some((row) => row.expires_at === null);
    await trx
      .updateTable('webhook_signing_keys')
      .set({ expires_at: now })
      .where('provider', '=', provider)
      .where('expires_at', '>', now)
      .execute();
    await trx
      .updateTable('webhook_signing_keys')
      .set({ expires_at: until })
      .where('provider', '=', provider)
      .where('expires_at', 'is', null)
      .execute();
    if (!hadCurrent && envCurrent !== undefined)
      await trx
        .insertInto('webhook_signing_keys')
        .values({ provider, secret: envCurrent, created_at: now, expires_at: until })
        .execute();
    const previousUntil = hadCurrent || envCurrent !== undefined ? until : null;
    const inserted = await trx
      .insertInto('webhook_signing_keys')
      .values({ provider, secret, created_at: now, expires_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(
      trx,
      actor,
      {
        action: 'webhook_key.add',
        target: { type: 'webhook_key', id: inserted.id },
        details: { provider, fingerprint: keyFingerprint(secret), previousUntil },
      },
      now,
    );
    return { ok: true, id: inserted.id, previousUntil };
  });
}

export type RetireKeyResult = { ok: true } | { ok: false; reason: 'NOT_FOUND' | 'CURRENT' };

/** Ends a previous key at `at` (now, or sooner than its expiry). The current key is replaced by adding one, never retired. */
export async function retireSigningKey(
  db: Kysely<Database>,
  id: number,
  at: number,
  actor: AuditActor,
): Promise<RetireKeyResult> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('webhook_signing_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return { ok: false, reason: 'NOT_FOUND' } as const;
    if (row.expires_at === null) return { ok: false, reason: 'CURRENT' } as const;
    if (row.expires_at > at)
      await trx.updateTable('webhook_signing_keys').set({ expires_at: at }).where('id', '=', id).execute();
    await recordAudit(
      trx,
      actor,
      {
        action: 'webhook_key.retire',
        target: { type: 'webhook_key', id },
        details: { provider: row.provider, fingerprint: keyFingerprint(row.secret), at },
      },
      at,
    );
    return { ok: true } as const;
  });
}

/** The key a sender would sign with now: the database's current one, else the environment's. */
export async function currentSigningKey(
  db: Kysely<Database>,
  env: EnvKeys,
  provider: WebhookProvider,
  now: number,
): Promise<string | undefined> {
  const rows = await db.selectFrom('webhook_signing_keys').selectAll().where('provider', '=', provider).execute();
  return keysFromRows(rows, now)?.current ?? env[provider]?.current;
}
