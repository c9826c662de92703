import { describe, expect, it } from 'vitest';
import { LOGIN_HASH_QUEUE_PER_SLOT, passwordHashing, verifyPassword } from '../../src/members/index.js';
import { addMember, holdPasswordHashing, PASSWORD, passwordHash, TestDevice } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const EMAIL = 'sibuk@example.com';

/**
 * A login flood: more logins waiting for a password hash than an instance takes on are answered
 * 503 SERVER_BUSY at once (Retry-After), counted against no limit, and logins work again once the
 * queue drains. Everything else that hashes keeps waiting its turn (the filler below does).
 */
describe.each(DIALECTS)('login while password hashing is saturated (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect, (w) => addMember(w, EMAIL));

  it('answers 503 SERVER_BUSY with Retry-After, counts nothing, and signs in once the queue drains', async () => {
    world = await openWorld();
    await passwordHash();
    // Every slot busy and the login queue full.
    const limit = passwordHashing.size * LOGIN_HASH_QUEUE_PER_SLOT;
    const hashing = holdPasswordHashing(limit);
    try {
      expect([passwordHashing.active, passwordHashing.waiting]).toEqual([passwordHashing.size, limit]);

      const json = await new TestDevice(world.app).post(
        '/login',
        { email: EMAIL, password: PASSWORD },
        { accept: 'application/json' },
      );
      expect(json.statusCode).toBe(503);
      expect(json.json().error.code).toBe('SERVER_BUSY');
      expect(json.headers['retry-after']).toBe('2');

      const browser = new TestDevice(world.app);
      const page = await browser.login(EMAIL, PASSWORD);
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain('Server sedang sibuk melayani banyak login. Coba masuk lagi sebentar lagi.');
      expect(browser.cookies.has('gerbang_session')).toBe(false);

      // The refused attempts were never checked: neither the IP's nor the account's counter moved.
      const counters = await world.database.db.selectFrom('rate_limits').select(['key', 'count']).execute();
      expect(counters.filter((c) => c.count > 0)).toEqual([]);

      // Hashing that is not a login still waits its turn behind the full queue, and is done right.
      const patient = verifyPassword(await passwordHash(), PASSWORD);
      expect(passwordHashing.waiting).toBe(limit + 1);
      await hashing.release();
      expect((await patient).ok).toBe(true);

      const after = await browser.login(EMAIL, PASSWORD);
      expect(after.statusCode).toBe(303);
      expect(browser.cookies.has('gerbang_session')).toBe(true);
    } finally {
      await hashing.release();
    }
    expect([passwordHashing.active, passwordHashing.waiting]).toEqual([0, 0]);
  });
});
