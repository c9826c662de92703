import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Runtime } from '../clock.js';
import type { Database, OneTimeTokensTable } from '../db/index.js';
import { housekeepingGate } from '../db/index.js';

/**
 * One-time links: a random 256-bit token goes into the link, only its SHA-256 is stored (a database
 * leak reveals no usable link). Single use, short expiry: no password has to travel in a URL or be
 * something guessable such as the phone number.
 */
export type TokenPurpose = OneTimeTokensTable['purpose'];

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface IssueTokenArgs {
  memberId: number;
  now: number;
  ttlMs: number;
  randomBytes: (n: number) => Buffer;
  /** Binds the token to one device (the "keep here" confirmation). */
  deviceId?: number;
  /** email_change: the address the link confirms. */
  newEmail?: string;
}

export async function issueOneTimeToken(
  db: Kysely<Database>,
  purpose: TokenPurpose,
  args: IssueTokenArgs,
): Promise<{ token: string; expiresAt: number }> {
  const token = args.randomBytes(32).toString('base64url');
  const expiresAt = args.now + args.ttlMs;
  await pruneTokens(db, args.now);
  await db
    .insertInto('one_time_tokens')
    .values({
      token_hash: hashToken(token),
      purpose,
      member_id: args.memberId,
      device_id: args.deviceId ?? null,
      new_email: args.newEmail ?? null,
      created_at: args.now,
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  return { token, expiresAt };
}

export function issueSetPasswordToken(db: Kysely<Database>, args: IssueTokenArgs) {
  return issueOneTimeToken(db, 'set_password', args);
}

export interface TokenOwner {
  memberId: number;
  email: string;
  /** An admin's link never stands in for the admin password (src/auth/login.ts). */
  role: 'member' | 'admin';
  deviceId: number | null;
  /** email_change: the address the link confirms. */
  newEmail: string | null;
}

/** The member a live, unused token belongs to, or null (unknown, used, revoked or expired look the same). */
export async function peekOneTimeToken(
  db: Kysely<Database>,
  purpose: TokenPurpose,
  token: string,
  now: number,
): Promise<TokenOwner | null> {
  const row = await db
    .selectFrom('one_time_tokens')
    .innerJoin('members', 'members.id', 'one_time_tokens.member_id')
    .select([
      'one_time_tokens.member_id as memberId',
      'members.email as email',
      'members.role as role',
      'one_time_tokens.device_id as deviceId',
      'one_time_tokens.new_email as newEmail',
    ])
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row ?? null;
}

export function peekSetPasswordToken(db: Kysely<Database>, token: string, now: number) {
  return peekOneTimeToken(db, 'set_password', token, now);
}

/**
 * Marks the token used and returns its owner, atomically: of two concurrent submissions only the
 * one whose UPDATE changes the row wins.
 */
export async function consumeOneTimeToken(
  db: Kysely<Database>,
  purpose: TokenPurpose,
  token: string,
  now: number,
): Promise<{ memberId: number; deviceId: number | null; newEmail: string | null } | null> {
  const row = await db
    .updateTable('one_time_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['member_id', 'device_id', 'new_email'])
    .executeTakeFirst();
  return row ? { memberId: row.member_id, deviceId: row.device_id, newEmail: row.new_email } : null;
}

export async function consumeSetPasswordToken(
  db: Kysely<Database>,
  token: string,
  now: number,
): Promise<number | null> {
  return (await consumeOneTimeToken(db, 'set_password', token, now))?.memberId ?? null;
}

/**
 * Ends every outstanding link of the member (set-password, login, takeover confirmation): run in the
 * transaction that changes what the links were issued against (the password, the sessions, a new
 * registration mail), so no link sent before still signs anyone in afterwards.
 */
export async function revokeMemberLinks(db: Kysely<Database>, memberId: number, now: number): Promise<number> {
  const result = await db
    .updateTable('one_time_tokens')
    .set({ revoked_at: now })
    .where('member_id', '=', memberId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Ends one link (too many wrong admin passwords typed through it). */
export async function revokeOneTimeToken(db: Kysely<Database>, token: string, now: number): Promise<void> {
  await db
    .updateTable('one_time_tokens')
    .set({ revoked_at: now })
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .execute();
}

/** Used or expired tokens are kept a week (operators may ask "was the link used?"), then deleted. */
const KEEP_DEAD_TOKENS_MS = 7 * 86_400_000; // 7 days
const pruneDue = housekeepingGate();

/** At most hourly per process, riding on a token being issued (an idle server runs no queries). */
async function pruneTokens(db: Kysely<Database>, now: number): Promise<void> {
  if (!pruneDue(now)) return;
  await db
    .deleteFrom('one_time_tokens')
    .where('expires_at', '<', now - KEEP_DEAD_TOKENS_MS)
    .execute();
}

/** Issues link tokens for the mail worker, which renders the mails that carry one-time links. */
export function linkIssuer(runtime: Pick<Runtime, 'now' | 'randomBytes'>) {
  return async (
    db: Kysely<Database>,
    request: {
      memberId: number;
      purpose: 'set_password' | 'login_link' | 'transfer_reset' | 'email_change';
      ttlMs: number;
      newEmail?: string;
    },
  ) =>
    (
      await issueOneTimeToken(db, request.purpose, {
        memberId: request.memberId,
        now: runtime.now(),
        ttlMs: request.ttlMs,
        randomBytes: runtime.randomBytes,
        ...(request.newEmail === undefined ? {} : { newEmail: request.newEmail }),
      })
    ).token;
}
