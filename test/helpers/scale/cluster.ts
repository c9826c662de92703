import type { Kysely } from 'kysely';
import pino from 'pino';
import type { Config } from '../../../src/config/index.js';
import { loadConfig } from '../../../src/config/index.js';
import type { Database, DatabaseHandle } from '../../../src/db/index.js';
import { migrateToLatest, openDatabase } from '../../../src/db/index.js';
import { signLynkPayment } from '../../../src/webhooks/index.js';
import type { RunningGerbang, Workspace } from '../../helpers/gerbang-process.js';
import { createWorkspace } from '../../helpers/gerbang-process.js';
import { MERCHANT_KEY, migrateFromTemplate } from '../world.js';

/**
 * Several real `gerbang serve` processes on one PostgreSQL schema, as a seller scales out: they
 * share secrets (a cookie set by one instance opens a session on another) and nothing else.
 */
export interface Cluster {
  workspace: Workspace;
  config: Config;
  /** The test's own handle on the shared database (to seed and to check). */
  database: DatabaseHandle;
  db: Kysely<Database>;
  instances: RunningGerbang[];
  /** Port of instance i (for the loopback SSE client). */
  port(i: number): number;
  url(i: number): string;
  close(): Promise<void>;
}

export const CLUSTER_ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  LYNK_MERCHANT_KEY: MERCHANT_KEY,
  COOKIE_SECRET: 'cluster-cookie-secret-0123456789abcdef0123456789',
  PUBLIC_URL: 'http://127.0.0.1:0',
  LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
  REALTIME_HEARTBEAT_SECONDS: '5',
};

export interface ClusterOptions {
  /** The DATABASE_URL the servers get, from the schema's own (e.g. through a cuttable proxy). */
  serverDatabaseUrl?: (schemaUrl: string) => string;
}

export async function startCluster(
  count: number,
  extraEnv: Record<string, string> = {},
  options: ClusterOptions = {},
): Promise<Cluster> {
  const workspace = await createWorkspace('postgres');
  const env = { ...workspace.env, ...CLUSTER_ENV, ...extraEnv };
  const schemaUrl = workspace.env.DATABASE_URL ?? '';
  const serverEnv = {
    ...CLUSTER_ENV,
    ...extraEnv,
    ...(options.serverDatabaseUrl ? { DATABASE_URL: options.serverDatabaseUrl(schemaUrl) } : {}),
  };
  const loaded = loadConfig(env, workspace.dir);
  if (!loaded.ok) throw new Error(`cluster config invalid: ${loaded.errors.join('; ')}`);
  const database = openDatabase(loaded.config.database, { poolSize: 4 });
  const instances: RunningGerbang[] = [];
  try {
    // Migrated once before the servers start (each finds nothing left to do): a copy of the run's
    // migrated template, which the migrator then finds up to date.
    if (loaded.config.database.kind === 'postgres') await migrateFromTemplate(loaded.config.database.url);
    await migrateToLatest(database.db, database.dialect);
    for (let i = 0; i < count; i++) instances.push(await workspace.serve(serverEnv));
  } catch (error) {
    await database.close();
    await workspace.close();
    throw error;
  }
  const at = (i: number): RunningGerbang => {
    const instance = instances[i];
    if (!instance) throw new Error(`no instance ${i}`);
    return instance;
  };
  return {
    workspace,
    config: loaded.config,
    database,
    db: database.db,
    instances,
    port: (i) => Number(new URL(at(i).url).port),
    url: (i) => at(i).url,
    async close() {
      await database.close();
      // Kills whatever still runs, then drops the schema and the folder.
      await workspace.close();
    },
  };
}

/** POSTs a Lynk delivery over real HTTP, signed with the cluster's merchant key. */
export async function postLynkTo(baseUrl: string, body: object): Promise<{ status: number; json: unknown }> {
  const signed = signLynkPayment(body, MERCHANT_KEY);
  const response = await fetch(`${baseUrl}/webhook/lynk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-lynk-signature': signed.signature },
    body: signed.body,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}

export const silentLog = pino({ level: 'silent' });

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
