import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueSetPasswordToken } from '../../src/members/index.js';
import { addMember, PASSWORD, TestDevice } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS } from '../helpers/world.js';

describe.each(DIALECTS)('a new password (%s)', (dialect) => {
  let world: World;
  beforeEach(async () => {
    world = await createWorld(dialect);
  });
  afterEach(async () => {
    await world.close();
  });

  it('choosing a new password through the one-time link ends the sessions on every device', async () => {
    const memberId = await addMember(world, 'ani@example.com');
    const phone = new TestDevice(world.app);
    expect((await phone.login('ani@example.com', PASSWORD)).statusCode).toBe(303);
    expect((await phone.get('/member')).statusCode).toBe(200);

    const { token } = await issueSetPasswordToken(world.database.db, {
      memberId,
      now: world.runtime.now(),
      ttlMs: 3_600_000,
      randomBytes: world.runtime.randomBytes,
    });
    const laptop = new TestDevice(world.app);
    const changed = await laptop.post('/akun/atur-sandi', {
      token,
      password: 'kata sandi baru yang panjang',
      password_confirm: 'kata sandi baru yang panjang',
    });
    // The laptop that set the password is signed in; the phone's session ended.
    expect([changed.statusCode, changed.headers.location]).toEqual([303, '/member?sandi=baru']);

    const after = await phone.get('/member');
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe('/login?alasan=password_changed');
    const session = await world.database.db
      .selectFrom('sessions')
      .select(['revoked_reason'])
      .where('member_id', '=', memberId)
      .where(
        'device_id',
        '!=',
        (
          await world.database.db
            .selectFrom('sessions')
            .select('device_id')
            .where('revoked_at', 'is', null)
            .executeTakeFirstOrThrow()
        ).device_id,
      )
      .executeTakeFirstOrThrow();
    expect(session.revoked_reason).toBe('password_changed');
    const events = await world.database.db.selectFrom('realtime_events').selectAll().execute();
    expect(events.map((e) => JSON.parse(e.data).reason)).toEqual(['password_changed']);

    // The old password is gone, the new one works (and, the phone's session having ended, without a conflict).
    expect((await laptop.login('ani@example.com', PASSWORD)).statusCode).toBe(401);
    expect((await laptop.loginKeepingHere('ani@example.com', 'kata sandi baru yang panjang')).statusCode).toBe(303);
  });
});
