import SqliteDatabase from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import { Kysely, SqliteDialect } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { createWorld } from './world.js';

/**
 * A Kysely handle on a SQLite file that records every statement, and the plans SQLite would use for
 * them: the console's list tests read `EXPLAIN QUERY PLAN` instead of timing anything.
 */
export class PlanRecorder {
  readonly raw: SqliteDatabase.Database;
  readonly db: Kysely<Database>;
  private readonly captured: CompiledQuery[] = [];
  /** Closes what the recorder was opened on (the world of onFreshWorld). */
  private closeOwner: () => Promise<void> = async () => {};

  /** A fresh, migrated SQLite world with a recorder on its file; close() ends both. */
  static async onFreshWorld(): Promise<PlanRecorder> {
    const world = await createWorld('sqlite');
    if (world.config.database.kind !== 'sqlite') {
      await world.close();
      throw new Error('sqlite expected');
    }
    const recorder = new PlanRecorder(world.config.database.file);
    recorder.closeOwner = () => world.close();
    return recorder;
  }

  constructor(file: string) {
    this.raw = new SqliteDatabase(file);
    this.db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new SqliteDatabase(file) }),
      log: (event) => {
        if (event.level === 'query') this.captured.push(event.query);
      },
    });
  }

  /** Runs a list and returns the plan of every statement it ran. */
  async plans(run: () => Promise<unknown>): Promise<string[]> {
    this.captured.length = 0;
    await run();
    expect(this.captured.length).toBeGreaterThan(0);
    return this.captured.flatMap((q) =>
      (this.raw.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as { detail: string }[]).map(
        (r) => r.detail,
      ),
    );
  }

  async close(): Promise<void> {
    await this.db.destroy();
    this.raw.close();
    await this.closeOwner();
  }
}

/** No full table scan and no full index scan: every table is reached through an index search. */
export function expectIndexed(plan: string[]): void {
  expect(
    plan.filter((line) => /^SCAN /.test(line)),
    plan.join('\n'),
  ).toEqual([]);
  expect(plan.some((line) => line.startsWith('SEARCH '))).toBe(true);
}
