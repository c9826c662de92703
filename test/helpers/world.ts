import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import pino from 'pino';
import { afterEach, inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Runtime } from '../../src/clock.js';
import type { Config } from '../../src/config/index.js';
import { loadConfig } from '../../src/config/index.js';
import type { DatabaseHandle, Dialect } from '../../src/db/index.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import type { StartSigningWorker } from '../../src/licenses/index.js';
import type { MailWorkerDeps } from '../../src/mail/index.js';
import { devTransport, MailWorker } from '../../src/mail/index.js';
import { linkIssuer } from '../../src/members/index.js';
import { queueMembershipReminders } from '../../src/orders/index.js';
import type { RealtimeBus } from '../../src/realtime/index.js';
import { createMemoryBus } from '../../src/realtime/index.js';
import type { PostgresSchema } from './postgres.js';
import {
  adminPool,
  createMigrationSchema,
  createPrivateSchema,
  databaseOf,
  migrationDatabaseUrl,
  postgresAvailable,
} from './postgres.js';
import { createPooledSchema, noteFreshSchema, recycleSchema, takeCleanSchema } from './schema-pool.js';
import { startSourceSigningWorker } from './signing-worker.js';
import { startSourceTouchWorker } from './touch-worker.js';
import { dropLater } from './world-drops.js';
import type { WorldTemplates } from './world-template.js';
import {
  buildWorldTemplates,
  copySqliteTemplate,
  disposeWorldTemplates,
  replayPostgresTemplate,
} from './world-template.js';

export const MERCHANT_KEY = 'test-merchant-key-0123456789';

/** The dialects a data-layer suite runs on: SQLite always, PostgreSQL when reachable (always in CI). */
export const DIALECTS: Dialect[] = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

/** A clock tests can move, and real randomness (keys must stay unique). */
export class TestRuntime implements Runtime {
  constructor(public current = Date.UTC(2026, 10, 23, 5, 0, 0)) {}
  now = () => this.current;
  randomBytes = (n: number) => randomBytes(n);
  advance(ms: number): void {
    this.current += ms;
  }
}

let templates: Promise<WorldTemplates> | undefined;

function providedTemplates(): WorldTemplates | undefined {
  try {
    return inject('worldTemplates');
  } catch {
    return undefined; // not inside a vitest run (a script importing the helpers)
  }
}

/** The run's migrated templates (test/global-setup.ts); built here when a runner did not provide them. */
function worldTemplates(): Promise<WorldTemplates> {
  templates ??= (async () => {
    const provided = providedTemplates();
    if (provided) return provided;
    const built = await buildWorldTemplates((await postgresAvailable()) ? await migrationDatabaseUrl() : null);
    process.once('exit', () => disposeWorldTemplates(built));
    return built;
  })();
  return templates;
}

/**
 * Migrates a fresh, empty schema from createPostgresSchema() (its URL) by copying the run's template;
 * migrateToLatest afterwards finds nothing to do. Without a template it leaves the schema to the migrator.
 */
export async function migrateFromTemplate(url: string): Promise<void> {
  const schema = /search_path=(t_[0-9a-f]+)$/.exec(new URL(url).searchParams.get('options') ?? '')?.[1];
  if (!schema) throw new Error(`not a schema of createPostgresSchema(): ${url}`);
  const script = (await worldTemplates()).postgresScript;
  if (script) await replayPostgresTemplate(script, adminPool(databaseOf(url)), schema);
}

/** Gives the world's own fresh database the migrated template's contents (then migrating finds nothing to do). */
async function copyTemplateInto(config: Config, pgSchema: WorldSchema | null): Promise<void> {
  const database = config.database;
  if (database.kind === 'sqlite' && !existsSync(database.file)) {
    mkdirSync(dirname(database.file), { recursive: true });
    copySqliteTemplate(await worldTemplates(), database.file);
  }
  if (pgSchema && !pgSchema.migrated && database.kind === 'postgres' && database.url === pgSchema.url) {
    await migrateFromTemplate(pgSchema.url);
    if (pgSchema.pooled) await noteFreshSchema(pgSchema);
  }
}

/** A world's PostgreSQL schema: `pooled` ones go back to the pool when closed, `migrated` ones came from it. */
type WorldSchema = PostgresSchema & { pooled: boolean; migrated: boolean };

async function worldSchema(options: WorldOptions): Promise<WorldSchema> {
  if (options.dropsTables) return { ...(await createPrivateSchema()), pooled: false, migrated: false };
  if (options.runsMigrator) return { ...(await createMigrationSchema()), pooled: false, migrated: false };
  const clean = takeCleanSchema();
  if (clean) return { ...clean, pooled: true, migrated: true };
  return { ...(await createPooledSchema()), pooled: true, migrated: false };
}

export interface World {
  dialect: Dialect;
  dataDir: string;
  env: Record<string, string>;
  config: Config;
  database: DatabaseHandle;
  runtime: TestRuntime;
  /** The app's realtime bus, for services a test calls directly (their events reach the app's streams). */
  bus: RealtimeBus;
  app: FastifyInstance;
  close(): Promise<void>;
}

export interface WorldOptions {
  onMailQueued?: () => void;
  logger?: Logger;
  /** The test runs Kysely's migrator on this database: its PostgreSQL schema goes where none is dropped (postgres.ts). */
  runsMigrator?: boolean;
  /** The test drops tables and runs the migrator: its PostgreSQL schema gets a database of its own. */
  dropsTables?: boolean;
  /** The license tokens' signing thread (default: signing-worker.ts from source). */
  startSigningWorker?: StartSigningWorker;
}

/**
 * Builds one isolated world: a temp DATA_DIR, its own database (SQLite file or PostgreSQL schema),
 * migrated, and the app (not listening; use app.inject() or app.listen({port:0})).
 */
export async function createWorld(
  dialect: Dialect,
  envOverrides: Record<string, string> = {},
  options: WorldOptions = {},
): Promise<World> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gerbang-test-'));
  const pgSchema = dialect !== 'postgres' ? null : await worldSchema(options);
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LYNK_MERCHANT_KEY: MERCHANT_KEY,
    COOKIE_SECRET: 'test-cookie-secret-0123456789abcdef0123456789',
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://127.0.0.1:3000',
    ...(pgSchema ? { DATABASE_URL: pgSchema.url } : {}),
    ...envOverrides,
  };
  const result = loadConfig(env);
  if (!result.ok) throw new Error(`test config invalid: ${result.errors.join('; ')}`);
  const config = result.config;
  let opened: DatabaseHandle | undefined;
  try {
    await copyTemplateInto(config, pgSchema);
    opened = openDatabase(config.database);
    await migrateToLatest(opened.db, opened.dialect);
  } catch (error) {
    await opened?.close();
    await pgSchema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const database = opened;
  const runtime = new TestRuntime();
  const bus = createMemoryBus();
  const app = await buildApp({
    config,
    database,
    runtime,
    bus,
    logger: options.logger ?? pino({ level: 'silent' }),
    startTouchWorker: startSourceTouchWorker,
    startSigningWorker: options.startSigningWorker ?? startSourceSigningWorker,
    ...(options.onMailQueued ? { onMailQueued: options.onMailQueued } : {}),
  });
  return {
    dialect,
    dataDir,
    env,
    config,
    database,
    runtime,
    bus,
    app,
    async close() {
      await app.close();
      await database.close();
      if (pgSchema?.pooled) dropLater(() => recycleSchema(pgSchema));
      else if (pgSchema) dropLater(pgSchema.drop);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One world per test: the returned function builds it (and runs `setup`, e.g. adding members);
 * the world is closed after each test, even a failed one.
 */
export function worldPerTest(
  dialect: Dialect,
  setup: (world: World) => Promise<unknown> = async () => {},
): (env?: Record<string, string>) => Promise<World> {
  let current: World | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (env = {}) => {
    current = await createWorld(dialect, env);
    await setup(current);
    return current;
  };
}

/**
 * A mail worker on the world's database delivering to the dev mailbox (the outbox rows themselves);
 * `extra` adds or replaces its dependencies (a brand, a WhatsApp transport).
 */
export function devMailWorker(world: World, extra: Partial<MailWorkerDeps> = {}): MailWorker {
  return new MailWorker({
    db: world.database.db,
    dialect: world.database.dialect,
    config: world.config,
    runtime: world.runtime,
    transport: devTransport(),
    log: pino({ level: 'silent' }),
    issueLink: linkIssuer(world.runtime),
    queueDue: queueMembershipReminders,
    ...extra,
  });
}

/** A member row for tests that write the table directly. */
export function memberRow(email: string, at = 1) {
  return {
    email,
    username: email,
    name: '',
    phone: '',
    role: 'member' as const,
    status: 'active' as const,
    password_hash: 'x',
    password_set_at: null,
    source_order_id: null,
    created_at: at,
    updated_at: at,
  };
}
