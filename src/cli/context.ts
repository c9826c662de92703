import type { Config } from '../config/index.js';
import { loadConfig, readEnvironment } from '../config/index.js';
import type { DatabaseHandle } from '../db/index.js';
import { migrateToLatest, openDatabase } from '../db/index.js';
import type { PublishingBus, RealtimeBus } from '../realtime/index.js';
import { createMemoryBus, createNotifyPublisher } from '../realtime/index.js';
import { complain } from './output.js';

export class UsageError extends Error {}

/** The CLI reads the same environment (and .env) as the server; bad config lists every problem. */
export function configFromEnvironment(): Config {
  const result = loadConfig(readEnvironment(process.cwd(), process.env));
  if (!result.ok) {
    complain(`Konfigurasi tidak valid:\n${result.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    process.exit(2);
  }
  return result.config;
}

/** Opens the database (migrated, so commands work on a fresh DATA_DIR) for the length of `fn`. */
export async function withDatabase<T>(config: Config, fn: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  const database = openDatabase(config.database, { poolSize: 2 });
  try {
    await migrateToLatest(database.db, database.dialect);
    return await fn(database);
  } finally {
    await database.close();
  }
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined) return 100;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new UsageError('--limit harus bilangan bulat 1–100000');
  return n;
}

/**
 * Like withDatabase, with a bus for the realtime events a command's change records. On PostgreSQL
 * they are NOTIFYed to the running servers (an open page reacts live); on SQLite the CLI cannot
 * reach the server's streams, and pages learn of the change at their next reconnect or load.
 */
export async function withDatabaseAndBus<T>(
  config: Config,
  fn: (database: DatabaseHandle, bus: RealtimeBus) => Promise<T>,
): Promise<T> {
  return withDatabase(config, async (database) => {
    const bus: PublishingBus | RealtimeBus =
      database.dialect === 'postgres' ? createNotifyPublisher(database.db) : createMemoryBus();
    try {
      return await fn(database, bus);
    } finally {
      await bus.close();
    }
  });
}
