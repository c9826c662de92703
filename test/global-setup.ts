import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createRunDatabase, dropRunDatabase, postgresAvailable } from './helpers/postgres.js';
import { dropRunSchemas, vacuumTestCatalogs } from './helpers/schema-pool.js';
import type { WorldTemplates } from './helpers/world-template.js';
import { buildWorldTemplates, disposeWorldTemplates } from './helpers/world-template.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Migrated once per run; every world starts from a copy (test/helpers/world-template.ts). */
    worldTemplates: WorldTemplates;
    /** This run's own PostgreSQL database, where Kysely's migrator runs (test/helpers/postgres.ts); null without PostgreSQL. */
    migrationDatabaseUrl: string | null;
    /** Names this run's pooled world schemas (test/helpers/schema-pool.ts), which the teardown drops. */
    worldRunId: string;
  }
}

/** Runs once per `vitest run`, before any test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runDatabase = (await postgresAvailable()) ? await createRunDatabase() : null;
  if (runDatabase) await vacuumTestCatalogs();
  const templates = await buildWorldTemplates(runDatabase);
  project.provide('worldTemplates', templates);
  project.provide('migrationDatabaseUrl', runDatabase);
  const runId = randomBytes(3).toString('hex');
  project.provide('worldRunId', runId);
  return async () => {
    disposeWorldTemplates(templates);
    if (runDatabase) await dropRunSchemas(runId);
    if (runDatabase) await dropRunDatabase(runDatabase);
  };
}
