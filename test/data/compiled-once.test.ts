import { afterEach, describe, expect, it } from 'vitest';
import { executeCompiledOnce } from '../../src/db/index.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS, memberRow } from '../helpers/world.js';

describe.each(DIALECTS)('statements compiled once (%s)', (dialect) => {
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  it('reuses the SQL of a shape with fresh values, and each row gets its own values', async () => {
    world = await createWorld(dialect);
    const { db } = world.database;
    let builds = 0;
    const insert = (email: string, name: string) => {
      const row = { ...memberRow(email, 5), name, updated_at: 6 };
      return executeCompiledOnce(db, `test insert member ${dialect}`, Object.values(row), () => {
        builds += 1;
        return db.insertInto('members').values(row).returning(['id', 'email', 'name']);
      });
    };
    const first = await insert('a@example.com', 'Ani');
    const second = await insert('b@example.com', 'Budi');
    expect(builds).toBe(1);
    expect(first.rows[0]).toMatchObject({ email: 'a@example.com', name: 'Ani' });
    expect(second.rows[0]).toMatchObject({ email: 'b@example.com', name: 'Budi' });
    const stored = await db
      .selectFrom('members')
      .select(['email', 'name', 'created_at', 'updated_at'])
      .orderBy('id')
      .execute();
    expect(stored).toEqual([
      { email: 'a@example.com', name: 'Ani', created_at: 5, updated_at: 6 },
      { email: 'b@example.com', name: 'Budi', created_at: 5, updated_at: 6 },
    ]);
  });

  it('never caches a shape whose parameters are not the values given, in order', async () => {
    world = await createWorld(dialect);
    const { db } = world.database;
    let builds = 0;
    for (const email of ['c@example.com', 'd@example.com']) {
      await executeCompiledOnce(db, `test mismatched ${dialect}`, ['wrong order', email], () => {
        builds += 1;
        return db.selectFrom('members').select('id').where('email', '=', email);
      });
    }
    expect(builds).toBe(2);
  });

  it('webhooks after the first keep their own keys, orders and mails', async () => {
    world = await createWorld(dialect);
    for (const email of ['x1@example.com', 'x2@example.com', 'x3@example.com'])
      await postLynk(world.app, payment({ email, items: [{ title: 'E-book', qty: 2 }] }));
    const licenses = await world.database.db.selectFrom('licenses').select(['email', 'order_id']).execute();
    expect(licenses.map((l) => l.email).sort()).toEqual([
      'x1@example.com',
      'x1@example.com',
      'x2@example.com',
      'x2@example.com',
      'x3@example.com',
      'x3@example.com',
    ]);
    const mails = await world.database.db.selectFrom('mail_outbox').select('to_address').orderBy('id').execute();
    expect(mails.map((m) => m.to_address)).toEqual(['x1@example.com', 'x2@example.com', 'x3@example.com']);
  });
});
