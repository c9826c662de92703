import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/index.js';

/**
 * Fixed-window counters in the database (not in memory): they hold across restarts and across
 * several instances on one PostgreSQL. A window starts at the first hit and lasts `windowMs`.
 */
export interface RateLimit {
  key: string;
  limit: number;
  windowMs: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Whether another attempt is allowed now, without counting one (checked before the slow hash). */
export async function checkRateLimit(db: Kysely<Database>, rule: RateLimit, now: number): Promise<RateDecision> {
  const row = await db
    .selectFrom('rate_limits')
    .select(['window_started_at', 'count'])
    .where('key', '=', rule.key)
    .executeTakeFirst();
  if (!row || row.window_started_at + rule.windowMs <= now || row.count < rule.limit) return { allowed: true };
  return { allowed: false, retryAfterMs: row.window_started_at + rule.windowMs - now };
}

/** Counts one attempt, atomically (one upsert): a window that ran out starts over at 1. */
export async function hitRateLimit(db: Kysely<Database>, rule: RateLimit, now: number): Promise<number> {
  const expired = now - rule.windowMs;
  const row = await db
    .insertInto('rate_limits')
    .values({ key: rule.key, window_started_at: now, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when rate_limits.window_started_at <= ${expired} then 1 else rate_limits.count + 1 end`,
        window_started_at: sql<number>`case when rate_limits.window_started_at <= ${expired} then ${now} else rate_limits.window_started_at end`,
      }),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return row.count;
}

export async function clearRateLimit(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}

/** The first rule that refuses, with the longest wait among refusals. */
export async function checkRateLimits(
  db: Kysely<Database>,
  rules: readonly RateLimit[],
  now: number,
): Promise<RateDecision> {
  let wait = 0;
  for (const rule of rules) {
    const decision = await checkRateLimit(db, rule, now);
    if (!decision.allowed) wait = Math.max(wait, decision.retryAfterMs);
  }
  return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true };
}
