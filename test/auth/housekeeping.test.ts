import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, PASSWORD, TestDevice } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS } from '../helpers/world.js';

const DAY = 86_400_000;

describe.each(DIALECTS)('housekeeping rides on writes (%s)', (dialect) => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld(dialect);
    // Past any earlier test's prune in this process (they run at most hourly).
    world.runtime.advance(2 * 3_600_000 + DIALECTS.indexOf(dialect) * 10 * DAY);
  });
  afterEach(async () => {
    await world.close();
  });

  it('dead rate-limit counters, one-time tokens and realtime events are deleted; live ones stay', async () => {
    const db = world.database.db;
    const now = world.runtime.now();
    const memberId = await addMember(world, 'ani@example.com');
    await db
      .insertInto('rate_limits')
      .values([
        { key: 'login:ip:10.0.0.1', window_started_at: now - 2 * DAY, count: 3 },
        { key: 'login:ip:10.0.0.2', window_started_at: now - 60_000, count: 3 },
      ])
      .execute();
    const token = (hash: string, expiresAt: number) => ({
      token_hash: hash,
      purpose: 'login_link' as const,
      member_id: memberId,
      device_id: null,
      created_at: expiresAt - 60_000,
      expires_at: expiresAt,
      used_at: null,
    });
    await db
      .insertInto('one_time_tokens')
      .values([token('dead', now - 8 * DAY), token('recent', now - DAY)])
      .execute();
    const event = (createdAt: number) => ({
      member_id: memberId,
      device_id: null,
      kind: 'session.revoked',
      data: '{}',
      created_at: createdAt,
    });
    await db
      .insertInto('realtime_events')
      .values([event(now - 8 * DAY), event(now - DAY)])
      .execute();

    // A login that ends in a conflict counts a rate limit, issues a token and (after "keep") logs an event.
    const a = new TestDevice(world.app);
    expect((await a.login('ani@example.com', PASSWORD)).statusCode).toBe(303);
    const b = new TestDevice(world.app);
    expect((await b.loginKeepingHere('ani@example.com', PASSWORD)).statusCode).toBe(303);

    const keys = (await db.selectFrom('rate_limits').select('key').execute()).map((r) => r.key);
    expect(keys).not.toContain('login:ip:10.0.0.1');
    expect(keys).toContain('login:ip:10.0.0.2');
    const hashes = (await db.selectFrom('one_time_tokens').select('token_hash').execute()).map((r) => r.token_hash);
    expect(hashes).not.toContain('dead');
    expect(hashes).toContain('recent');
    const times = (await db.selectFrom('realtime_events').select('created_at').execute()).map((r) => r.created_at);
    expect(times).not.toContain(now - 8 * DAY);
    expect(times).toContain(now - DAY);
  });
});
