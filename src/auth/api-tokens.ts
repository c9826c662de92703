import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Runtime } from '../clock.js';
import { sha256Hex } from '../crypto.js';
import type { ApiToken, Database } from '../db/index.js';
import { sendError } from '../web/respond.js';

/**
 * Admin API tokens for scripts (placing PPOB orders, operator automation). Like Stripe's secret
 * keys: a recognisable prefix, 256 random bits, shown once; only the SHA-256 is stored, so a
 * database leak yields no usable token. A SHA-256 lookup is enough (no slow hash): the secret has
 * full entropy, nothing to brute-force.
 */
export const API_TOKEN_PREFIX = 'gbt_';
const TOKEN_PATTERN = /^gbt_[A-Za-z0-9_-]{43}$/;

/** last_used_at is written at most this often, so a busy script does not write on every call. */
const TOUCH_INTERVAL_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The API token that authenticated this request, set by requireApiToken. */
    apiToken: Pick<ApiToken, 'id' | 'name'> | null;
  }
}

export interface CreatedApiToken {
  id: number;
  name: string;
  /** The only time the full token exists outside the caller. */
  token: string;
}

export async function createApiToken(
  db: Kysely<Database>,
  runtime: Runtime,
  input: { name: string; createdBy: number | null },
  actor: AuditActor,
): Promise<CreatedApiToken> {
  const token = `${API_TOKEN_PREFIX}${runtime.randomBytes(32).toString('base64url')}`;
  const now = runtime.now();
  const name = input.name.trim().slice(0, 100) || 'token';
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('api_tokens')
      .values({
        name,
        token_hash: sha256Hex(token),
        token_prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
        created_by: input.createdBy,
        created_at: now,
        last_used_at: null,
        revoked_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(
      tx,
      actor,
      { action: 'api_token.create', target: { type: 'api_token', id: row.id }, details: { name } },
      now,
    );
    return { id: row.id, name, token };
  });
}

export function listApiTokens(db: Kysely<Database>) {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'token_prefix', 'created_by', 'created_at', 'last_used_at', 'revoked_at'])
    .orderBy('id', 'desc')
    .execute();
}

/** Revokes a live token; false when there is no such live token. */
export async function revokeApiToken(
  db: Kysely<Database>,
  runtime: Runtime,
  id: number,
  actor: AuditActor,
): Promise<boolean> {
  const now = runtime.now();
  return db.transaction().execute(async (tx) => {
    const result = await tx
      .updateTable('api_tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await recordAudit(tx, actor, { action: 'api_token.revoke', target: { type: 'api_token', id } }, now);
    return true;
  });
}

/** The live token a presented secret belongs to, or null. */
export async function verifyApiToken(
  db: Kysely<Database>,
  presented: string | undefined,
  now: number,
): Promise<Pick<ApiToken, 'id' | 'name'> | null> {
  if (!presented || !TOKEN_PATTERN.test(presented)) return null;
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'last_used_at'])
    .where('token_hash', '=', sha256Hex(presented))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  if (row.last_used_at === null || now - row.last_used_at >= TOUCH_INTERVAL_MS) {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { id: row.id, name: row.name };
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  return match?.[1];
}

/** preHandler for the admin HTTP API: `Authorization: Bearer gbt_…` or 401 JSON. Never a cookie, so no CSRF. */
export function requireApiToken(deps: { db: Kysely<Database>; runtime: Runtime }): preHandlerAsyncHookHandler {
  return async function apiTokenGuard(request: FastifyRequest, reply: FastifyReply) {
    const token = await verifyApiToken(deps.db, bearer(request), deps.runtime.now());
    if (!token) {
      reply.header('www-authenticate', 'Bearer realm="gerbang-admin"');
      return sendError(request, reply, 'UNAUTHENTICATED', {
        message: 'Token API admin tidak ada atau tidak valid.',
        json: true,
      });
    }
    request.apiToken = token;
  };
}

/** The audit actor for a request authenticated by an API token. */
export function apiTokenActor(request: FastifyRequest): AuditActor {
  const token = request.apiToken;
  return { type: 'api_token', id: token?.id ?? null, label: token ? `token:${token.name}` : 'token', ip: request.ip };
}
