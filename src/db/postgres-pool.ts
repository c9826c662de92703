import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';

export interface PostgresPoolOptions {
  url: string;
  max: number;
  types: { getTypeParser: typeof pg.types.getTypeParser };
  /**
   * The bound on waiting for the database: for a connection (new or from a busy pool) and for each
   * statement. Undefined (the CLI, migrations): statements may take as long as they need.
   */
  statementTimeoutMs: number | undefined;
}

/** pg's own words when query_timeout passes without an answer. */
const READ_TIMEOUT = 'Query read timeout';

/**
 * The PostgreSQL pool Kysely runs on. With a bound, a stalled server or a silent network (packets
 * dropped, nothing reset) costs a request one bound per wait, not the TCP retransmission timeout:
 * - `statement_timeout`: the server cancels a slow statement (a lock wait, a huge scan) a little
 *   before the client gives up, so a merely slow statement leaves a healthy connection behind;
 * - `query_timeout`: the client stops waiting for a server that says nothing at all;
 * - `connectionTimeoutMillis`: for a new connection and for a free one from a full pool;
 * - TCP keep-alive finds half-open idle connections (the LISTEN one lives for days), and
 *   `idle_in_transaction_session_timeout` lets the server free the row locks of a transaction
 *   whose client went silent mid-way.
 */
export function openPostgresPool(options: PostgresPoolOptions): { pool: pg.Pool; kysely: PostgresPool } {
  const bound = options.statementTimeoutMs;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    types: options.types,
    // Fail fast when PostgreSQL is unreachable: webhooks answer 503 and Lynk retries.
    connectionTimeoutMillis: bound ?? 5000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(bound === undefined
      ? {}
      : {
          statement_timeout: Math.max(50, Math.floor(bound * 0.8)),
          query_timeout: bound,
          // Our transactions never wait between statements: one idle this long has a stuck client.
          idle_in_transaction_session_timeout: 30_000,
        }),
  });
  return { pool, kysely: { connect: () => checkOut(pool), end: () => pool.end() } };
}

/**
 * A client whose statement timed out on the client side may still be waiting for the server's
 * answer: every later statement would queue behind it (the transaction's ROLLBACK first, a whole
 * bound again), and given back to the pool it would stall the next request. Its remaining
 * statements fail at once and the pool destroys it on release.
 */
async function checkOut(pool: pg.Pool): Promise<PostgresPoolClient> {
  return new CheckedOutClient(await pool.connect());
}

class CheckedOutClient implements PostgresPoolClient {
  private stalled: Error | null = null;

  constructor(private readonly client: pg.PoolClient) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    statement: string | PostgresCursor<R>,
    parameters: ReadonlyArray<unknown> = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely streams through a cursor only when the dialect is given one; ours is not.
    if (typeof statement !== 'string') throw new Error('cursors are not configured');
    return this.run<R>(statement, parameters);
  }

  release(): void {
    this.client.release(this.stalled ?? undefined);
  }

  private async run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    if (this.stalled) throw this.stalled;
    try {
      const result = await this.client.query<R & pg.QueryResultRow>(sql, [...parameters]);
      return result as PostgresQueryResult<R>;
    } catch (error) {
      if (error instanceof Error && error.message === READ_TIMEOUT) this.stalled = error;
      throw error;
    }
  }
}
