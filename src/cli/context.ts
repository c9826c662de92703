import { existsSync } from 'node:fs';
import type { Config } from '../config/index.js';
import { loadConfig, readEnvironment } from '../config/index.js';
import type { DatabaseHandle } from '../db/index.js';
import { migrateToLatest, openDatabase, pendingMigrations } from '../db/index.js';
import type { PublishingBus, RealtimeBus } from '../realtime/index.js';
import { createMemoryBus, createNotifyPublisher } from '../realtime/index.js';
import { environmentFile } from './env-file.js';
import { complain, useTimeZone } from './output.js';

import { UsageError } from './usage-error.js';

export { UsageError };

/** The CLI reads the same environment (and .env, or --env-file) as the server; bad config lists every problem. */
export function configFromEnvironment(): Config {
  const result = loadConfig(readEnvironment(process.cwd(), process.env, environmentFile()));
  if (!result.ok) {
    complain(`Konfigurasi tidak valid:\n${result.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    process.exit(2);
  }
  useTimeZone(result.config.displayTimeZone);
  return result.config;
}

/** Where the database is, in the words every command uses. */
export function databaseName(config: Config): string {
  return config.database.kind === 'sqlite'
    ? `SQLite ${config.database.file}`
    : `PostgreSQL ${redactedUrl(config.database.url)}`;
}

function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

/**
 * Opens the database (migrated) for the length of `fn`. Only `serve` and `migrate --create` may
 * create one: a command run without the unit's environment (another folder, no DATA_DIR) would
 * otherwise quietly work on a fresh empty database instead of the shop's.
 */
export async function withDatabase<T>(
  config: Config,
  fn: (database: DatabaseHandle) => Promise<T>,
  options: { create?: boolean } = {},
): Promise<T> {
  // Told to a person at a terminal each time; scripts reading stderr are not disturbed.
  if (process.stderr.isTTY) process.stderr.write(`gerbang: database ${databaseName(config)}\n`);
  if (!options.create && config.database.kind === 'sqlite' && !existsSync(config.database.file))
    throw new UsageError(missingDatabase(config));
  const database = openDatabase(config.database, { poolSize: 2 });
  try {
    if (!options.create && !(await pendingMigrations(database.db, database.dialect)).exists)
      throw new UsageError(missingDatabase(config));
    await migrateToLatest(database.db, database.dialect);
    return await fn(database);
  } finally {
    await database.close();
  }
}

function missingDatabase(config: Config): string {
  return `database belum ada: ${databaseName(config)}. Perintah ini memakai lingkungan yang salah? Jalankan dengan --env-file /etc/gerbang/gerbang.env (atau setel DATA_DIR / DATABASE_URL). Database baru dibuat oleh gerbang serve atau gerbang migrate --create.`;
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
