import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import type { World } from '../helpers/world.js';
import { createWorld, memberRow } from '../helpers/world.js';

describe('SQLite group commit', () => {
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  const insert = (trx: Kysely<Database>, email: string) =>
    trx.insertInto('members').values(memberRow(email)).returning('id').executeTakeFirstOrThrow();

  it('concurrent writes share a commit, and a failing one rolls back alone', async () => {
    world = await createWorld('sqlite');
    const { transact, db } = world.database;
    await db.insertInto('members').values(memberRow('taken@example.com')).execute();
    const jobs = Array.from({ length: 30 }, (_, i) =>
      transact(async (trx) => {
        await insert(trx, `m${i}@example.com`);
        if (i === 7) throw new Error('job 7 fails after writing');
        if (i === 9) await insert(trx, 'taken@example.com'); // unique violation
        return i;
      }),
    );
    const results = await Promise.allSettled(jobs);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(2);
    expect((results[7] as PromiseRejectedResult).reason.message).toBe('job 7 fails after writing');
    expect((results[9] as PromiseRejectedResult).reason.code).toBe('SQLITE_CONSTRAINT_UNIQUE');
    const emails = (await db.selectFrom('members').select('email').execute()).map((r) => r.email);
    expect(emails).toHaveLength(29);
    expect(emails).not.toContain('m7@example.com');
    expect(emails).not.toContain('m9@example.com');
    expect(emails).toContain('m29@example.com');
  });

  it('answers only after the shared commit: what a job returns is already readable elsewhere', async () => {
    world = await createWorld('sqlite');
    const { transact, db } = world.database;
    const ids = await Promise.all(
      Array.from({ length: 5 }, (_, i) => transact((trx) => insert(trx, `c${i}@example.com`))),
    );
    const stored = await db.selectFrom('members').select('id').execute();
    expect(stored.map((r) => r.id).sort()).toEqual(ids.map((r) => r.id).sort());
  });
});
