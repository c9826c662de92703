import SqliteDatabase from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import { Kysely, SqliteDialect } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../src/db/index.js';

/**
 * A Kysely handle on a SQLite file that records every statement, and the plans SQLite would use for
 * them: the console's list tests read `EXPLAIN QUERY PLAN` instead of timing anything.
 */
export class PlanRecorder {
  readonly raw: SqliteDatabase.Database;
  readonly db: Kysely<Database>;
  private readonly captured: CompiledQuery[] = [];

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
