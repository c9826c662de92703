import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { walCheckpointing } from '../../src/db/connect.js';
import { sqliteGroupCommit } from '../../src/db/group-commit.js';
import type { Database } from '../../src/db/index.js';
import { openDatabase, SERVER_SIDE, WORKER_SIDE, WriteGate } from '../../src/db/index.js';
import { walSync } from '../../src/db/wal-sync.js';
import type { World } from '../helpers/world.js';
import { createWorld, memberRow } from '../helpers/world.js';

const insert = (trx: Kysely<Database>, email: string) =>
  trx.insertInto('members').values(memberRow(email)).returning('id').executeTakeFirstOrThrow();

describe('SQLite group commit', () => {
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

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

  it('under FULL the batch commits under NORMAL, the connection is FULL again after it, and the answers wait for the WAL sync', async () => {
    world = await createWorld('sqlite', { SQLITE_SYNCHRONOUS: 'FULL' });
    const { transact, db } = world.database;
    await Promise.all([1, 2, 3].map((i) => transact((trx) => insert(trx, `f${i}@example.com`))));
    const mode = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
    expect(mode.rows[0]?.synchronous).toBe(2); // FULL

    // A sync that fails (an I/O error) must not be answered as stored, though the rows committed.
    let syncs = 0;
    const failingSync = sqliteGroupCommit(db, {
      walSync: async () => {
        syncs += 1;
        throw new Error('EIO: the disk refused the sync');
      },
    });
    await expect(failingSync((trx) => insert(trx, 'unsynced@example.com'))).rejects.toThrow('EIO');
    expect(syncs).toBe(1);
  });

  it('waits for another thread holding the write gate without blocking the event loop, then commits', async () => {
    world = await createWorld('sqlite');
    const { transact, db, writeGate } = world.database;
    if (!writeGate) throw new Error('SQLite has a write gate');
    const mailThread = new WriteGate(writeGate, WORKER_SIDE, 5000);
    expect(mailThread.enterSync()).toBe(true);
    let done = false;
    const job = transact((trx) => insert(trx, 'waits@example.com')).then(() => {
      done = true;
    });
    // Many turns of the event loop pass (timers and I/O would run) while the batch waits.
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    mailThread.leave();
    await job;
    expect(await db.selectFrom('members').select('email').execute()).toEqual([{ email: 'waits@example.com' }]);
  });

  it('a gate left held by a thread that died is freed for the others', async () => {
    world = await createWorld('sqlite');
    const { writeGate } = world.database;
    if (!writeGate) throw new Error('SQLite has a write gate');
    const dead = new WriteGate(writeGate, WORKER_SIDE, 0);
    const server = new WriteGate(writeGate, SERVER_SIDE, 0);
    dead.enterSync();
    expect(server.enterSync()).toBe(false); // a wait of 0 ms: not ours
    server.releaseFor(WORKER_SIDE);
    expect(server.enterSync()).toBe(true);
    server.leave();
  });
});

describe('the WAL sync of the group commit', () => {
  it('one sync serves every caller waiting when it starts, and a missing file fails each of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gerbang-walsync-'));
    try {
      const file = join(dir, 'x.db-wal');
      writeFileSync(file, 'frames');
      const sync = walSync(file);
      await Promise.all(Array.from({ length: 20 }, () => sync()));
      sync.close();
      const missing = walSync(join(dir, 'absent-wal'));
      const results = await Promise.allSettled([missing(), missing()]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WAL checkpoints from a worker thread', () => {
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  /** A SQLite world whose server connection never checkpoints by itself, as the server's once the mail thread runs. */
  async function worldWithoutAutoCheckpoint() {
    world = await createWorld('sqlite');
    const { db, autoCheckpointPages, writeGate } = world.database;
    const database = world.config.database;
    if (!autoCheckpointPages || !writeGate || database.kind !== 'sqlite') throw new Error('SQLite expected');
    autoCheckpointPages(0);
    return { db, writeGate, file: database.file };
  }

  it("copy every page the server's connection wrote into the database file", async () => {
    const { db, writeGate, file } = await worldWithoutAutoCheckpoint();
    for (let i = 0; i < 50; i++) await insert(db, `w${i}@example.com`);
    const worker = openDatabase(world.config.database, { joinWriteGate: { buffer: writeGate, side: WORKER_SIDE } });
    // The rows are in the WAL only, until a checkpoint copies their pages into the database file.
    const inFile = () => readFileSync(file).includes('w49@example.com');
    expect(inFile()).toBe(false);
    try {
      worker.checkpointWal?.();
      expect(inFile()).toBe(true);
    } finally {
      await worker.close();
    }
  });

  it('a short WAL is checkpointed beside a held write gate, and the next write starts it from its beginning', async () => {
    const { db, writeGate, file } = await worldWithoutAutoCheckpoint();
    for (let i = 0; i < 50; i++) await insert(db, `b${i}@example.com`);
    // The server's side holds the gate throughout: a checkpoint that waited for it would wait its
    // whole bound (5 s) and then report 'gated'.
    const server = new WriteGate(writeGate, SERVER_SIDE, 0);
    expect(server.enterSync()).toBe(true);
    const worker = openDatabase(world.config.database, { joinWriteGate: { buffer: writeGate, side: WORKER_SIDE } });
    try {
      expect(worker.checkpointWal?.()).toBe('beside');
      expect(readFileSync(file).includes('b49@example.com')).toBe(true);
      server.leave();
      await insert(db, 'after@example.com');
      const [wal] = (await sql<{ log: number }>`pragma wal_checkpoint(PASSIVE)`.execute(worker.db)).rows;
      expect(wal?.log).toBeLessThan(20); // the one insert's frames, not 50 inserts' and more
    } finally {
      server.leave();
      await worker.close();
    }
  });

  it('syncs the database file before it takes the write gate, and takes it only for a WAL past its bound', async () => {
    const { db, writeGate, file } = await worldWithoutAutoCheckpoint();
    const connection = new SqliteDatabase(file);
    const gate = new WriteGate(writeGate, WORKER_SIDE, 5000);
    const syncs: { gateHeld: boolean; copied: boolean }[] = [];
    const syncDatabaseFile = () =>
      syncs.push({ gateHeld: gate.held, copied: readFileSync(file).includes('g29@example.com') });
    try {
      for (let i = 0; i < 30; i++) await insert(db, `g${i}@example.com`);
      const frames = (connection.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]?.log ?? 0;
      await insert(db, 'g-last@example.com');
      // Bound above the WAL: no gate. Bound below it: a last pass under the gate.
      expect(walCheckpointing(connection, gate, syncDatabaseFile, frames + 1000)()).toBe('beside');
      await insert(db, 'g-more@example.com');
      expect(walCheckpointing(connection, gate, syncDatabaseFile, 1)()).toBe('gated');
      // Each time the file was synced after the first pass had copied the pages, with the gate free.
      expect(syncs).toEqual([
        { gateHeld: false, copied: true },
        { gateHeld: false, copied: true },
      ]);
      expect(gate.held).toBe(false);
      expect(readFileSync(file).includes('g-more@example.com')).toBe(true);
    } finally {
      connection.close();
    }
  });
});
