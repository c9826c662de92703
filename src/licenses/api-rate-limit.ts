import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { sha256Hex } from '../auth/tokens.js';
import type { Database, Transact } from '../db/index.js';
import { executeCompiledOnce, housekeepingGate } from '../db/index.js';

export interface LicenseApiLimits {
  windowMs: number;
  maxPerIp: number;
  maxPerKey: number;
}

export type LicenseApiDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Fixed-window counters in the rate_limits table, as the login limits keep them (they hold across
 * restarts and across instances on one PostgreSQL), counted before any work. Per IP: one client
 * flooding; per key: many IPs trying one key. Both counters move in ONE upsert, and on SQLite that
 * statement rides the group commit: this is a write on every request of the API's hottest path,
 * and a commit (an fsync with synchronous=FULL) per request would cap it at a few thousand a second.
 * The key is stored hashed: the counter table is no second copy of license keys.
 */
export async function consumeLicenseApiLimits(
  transact: Transact,
  limits: LicenseApiLimits,
  ip: string,
  key: string,
  now: number,
): Promise<LicenseApiDecision> {
  const ipKey = `license:ip:${ip}`;
  const keyKey = `license:key:${sha256Hex(key).slice(0, 32)}`;
  const rows = await transact(async (trx) => {
    await pruneLicenseCounters(trx, now, limits.windowMs);
    return hitBoth(trx, ipKey, keyKey, now, now - limits.windowMs);
  });
  let retryAfterMs = 0;
  for (const row of rows) {
    const limit = row.key === ipKey ? limits.maxPerIp : limits.maxPerKey;
    if (Number(row.count) > limit)
      retryAfterMs = Math.max(retryAfterMs, Number(row.window_started_at) + limits.windowMs - now, 1000);
  }
  return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
}

function hitBoth(trx: Kysely<Database>, ipKey: string, keyKey: string, now: number, expired: number) {
  const parameters = [ipKey, now, 1, keyKey, now, 1, expired, expired, now];
  return executeCompiledOnce(trx, 'license api: hit ip and key counters', parameters, () =>
    trx
      .insertInto('rate_limits')
      .values([
        { key: ipKey, window_started_at: now, count: 1 },
        { key: keyKey, window_started_at: now, count: 1 },
      ])
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql<number>`case when rate_limits.window_started_at <= ${expired} then 1 else rate_limits.count + 1 end`,
          window_started_at: sql<number>`case when rate_limits.window_started_at <= ${expired} then ${now} else rate_limits.window_started_at end`,
        }),
      )
      .returning(['key', 'count', 'window_started_at']),
  ).then((result) => result.rows);
}

const pruneDue = housekeepingGate();

/** Dead counters go at most hourly per process, and only while the API is used (no idle queries). */
async function pruneLicenseCounters(trx: Kysely<Database>, now: number, windowMs: number): Promise<void> {
  if (!pruneDue(now)) return;
  await trx
    .deleteFrom('rate_limits')
    .where('key', 'like', 'license:%')
    .where('window_started_at', '<', now - Math.max(windowMs, 86_400_000))
    .execute();
}
