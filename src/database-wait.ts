import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import type { MigrationReport } from './db/index.js';
import { isDatabaseUnavailable, migrateToLatest, openDatabase } from './db/index.js';

/** A start-up failure that no restart can fix (exit code 2: the unit's RestartPreventExitStatus). */
export class StartupConfigError extends Error {}

/**
 * PostgreSQL refusing who we are or where we ask to go: the DATABASE_URL is wrong, and retrying
 * would only fill the journal (invalid password 28P01, no pg_hba entry 28000, no such database
 * 3D000, no such role or schema 3F000 / 42704).
 */
const PG_CONFIG_CODES = new Set(['28P01', '28000', '3D000', '3F000']);

function configurationProblem(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && PG_CONFIG_CODES.has(code))
    return `DATABASE_URL: PostgreSQL menolak koneksi (${code}: ${(error as Error).message}); periksa user, kata sandi dan nama database`;
  return null;
}

/** 0.5 s, doubling, at most 5 s between attempts. */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5000;

/**
 * Brings the schema up to date on a connection of its own (without the server's statement bound:
 * building an index on a large table may take longer than a request should wait), first waiting
 * for a database that is not up yet — after a reboot PostgreSQL may start after us — for at most
 * DB_CONNECT_TIMEOUT_SECONDS, saying each time why.
 */
export async function migrateWhenReachable(
  config: Config,
  logger: Logger,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<MigrationReport> {
  const deadline = Date.now() + config.databaseConnectTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    const database = openDatabase(config.database, { poolSize: 1 });
    try {
      return await migrateToLatest(database.db, database.dialect);
    } catch (error) {
      const problem = configurationProblem(error);
      if (problem) throw new StartupConfigError(problem);
      const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1));
      if (!isDatabaseUnavailable(error) || Date.now() + delay > deadline) {
        if (isDatabaseUnavailable(error))
          logger.error(
            { err: error, attempts: attempt, timeoutSeconds: config.databaseConnectTimeoutMs / 1000 },
            'database still unreachable: giving up (DB_CONNECT_TIMEOUT_SECONDS)',
          );
        throw error;
      }
      logger.warn(
        { attempt, retryInMs: delay, reason: error instanceof Error ? error.message : String(error) },
        'database not reachable yet; retrying',
      );
      await sleep(delay);
    } finally {
      await database.close().catch(() => {});
    }
  }
}
