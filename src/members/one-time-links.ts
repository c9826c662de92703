import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';

/**
 * One-time links: a random 256-bit token goes into the link, only its SHA-256 is stored (a database
 * leak reveals no usable link). Single use, short expiry. The set-password link replaces the old
 * system's password-equals-phone and its ?username=&password= login URLs.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export async function issueSetPasswordToken(
  db: Kysely<Database>,
  args: { memberId: number; now: number; ttlMs: number; randomBytes: (n: number) => Buffer },
): Promise<{ token: string; expiresAt: number }> {
  const token = args.randomBytes(32).toString('base64url');
  const expiresAt = args.now + args.ttlMs;
  await db
    .insertInto('one_time_tokens')
    .values({
      token_hash: hashToken(token),
      purpose: 'set_password',
      member_id: args.memberId,
      created_at: args.now,
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  return { token, expiresAt };
}

/** The member a live, unused token belongs to, or null (unknown, used or expired look the same). */
export async function peekSetPasswordToken(
  db: Kysely<Database>,
  token: string,
  now: number,
): Promise<{ memberId: number; email: string } | null> {
  const row = await db
    .selectFrom('one_time_tokens')
    .innerJoin('members', 'members.id', 'one_time_tokens.member_id')
    .select(['one_time_tokens.member_id as memberId', 'members.email as email'])
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', 'set_password')
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row ?? null;
}

/**
 * Marks the token used and returns its member, atomically: of two concurrent submissions only the
 * one whose UPDATE changes the row wins.
 */
export async function consumeSetPasswordToken(
  db: Kysely<Database>,
  token: string,
  now: number,
): Promise<number | null> {
  const row = await db
    .updateTable('one_time_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', 'set_password')
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('member_id')
    .executeTakeFirst();
  return row?.member_id ?? null;
}
