import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/index.js';
import { housekeepingGate } from '../db/index.js';
import type { Result } from '../errors.js';

/**
 * Fixed-window counters in the database (not in memory): they hold across restarts and across
 * several instances on one PostgreSQL. A window starts at the first hit and lasts `windowMs`.
 */
export interface RateLimit {
  key: string;
  limit: number;
  windowMs: number;
}

/**
 * counted: the attempt as counted (its window), for a refund later. firstRefusal: this is the
 * window's first refused attempt (the audit log notes each window once).
 */
export type RateDecision = Result<
  { counted: CountedAttempt },
  'RATE_LIMITED',
  { retryAfterMs: number; firstRefusal: boolean }
>;

/** One counted attempt: the key and the window it was counted in. */
export interface CountedAttempt {
  key: string;
  windowStartedAt: number;
}

/**
 * Counts this attempt first and then decides, in one statement: checking before a slow password
 * hash and counting after it would let a burst of parallel guesses all pass the check.
 */
export async function consumeRateLimit(db: Kysely<Database>, rule: RateLimit, now: number): Promise<RateDecision> {
  await pruneRateLimits(db, now);
  const { count, windowStartedAt } = await hitRateLimit(db, rule, now);
  if (count <= rule.limit) return { ok: true, counted: { key: rule.key, windowStartedAt } };
  return {
    ok: false,
    code: 'RATE_LIMITED',
    retryAfterMs: Math.max(1000, windowStartedAt + rule.windowMs - now),
    firstRefusal: count === rule.limit + 1,
  };
}

/** Counts one attempt, atomically (one upsert): a window that ran out starts over at 1. */
export async function hitRateLimit(
  db: Kysely<Database>,
  rule: RateLimit,
  now: number,
): Promise<{ count: number; windowStartedAt: number }> {
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
    .returning(['count', 'window_started_at'])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), windowStartedAt: Number(row.window_started_at) };
}

/**
 * Takes back one counted attempt (never below zero): the per-IP login limit counts an attempt
 * before the password is checked, and gives it back when the password was right, so it counts
 * failures and a shared IP (an office, a carrier's NAT) full of paying members is never locked out.
 * Only in the window it was counted in: once that window ran out and another began, the attempt
 * is no longer there to take back.
 */
export async function refundRateLimit(db: Kysely<Database>, attempt: CountedAttempt): Promise<void> {
  await db
    .updateTable('rate_limits')
    .set({ count: sql<number>`count - 1` })
    .where('key', '=', attempt.key)
    .where('window_started_at', '=', attempt.windowStartedAt)
    .where('count', '>', 0)
    .execute();
}

export async function clearRateLimit(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}

/** Windows last at most a day (LOGIN_RATE_WINDOW_MINUTES ≤ 1440); older counters are dead weight. */
const STALE_AFTER_MS = 86_400_000; // 1 day
const pruneDue = housekeepingGate();

/** Deletes dead counters, at most hourly per process and only when someone is counted (no idle queries). */
async function pruneRateLimits(db: Kysely<Database>, now: number): Promise<void> {
  if (!pruneDue(now)) return;
  await db
    .deleteFrom('rate_limits')
    .where('window_started_at', '<', now - STALE_AFTER_MS)
    .execute();
}
