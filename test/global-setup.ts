import type { TestProject } from 'vitest/node';
import { createRunDatabase, dropRunDatabase, postgresAvailable } from './helpers/postgres.js';
import type { WorldTemplates } from './helpers/world-template.js';
import { buildWorldTemplates, disposeWorldTemplates } from './helpers/world-template.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Migrated once per run; every world starts from a copy (test/helpers/world-template.ts). */
    worldTemplates: WorldTemplates;
    /** This run's own PostgreSQL database, where Kysely's migrator runs (test/helpers/postgres.ts); null without PostgreSQL. */
    migrationDatabaseUrl: string | null;
  }
}

/** Runs once per `vitest run`, before any test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runDatabase = (await postgresAvailable()) ? await createRunDatabase() : null;
  const templates = await buildWorldTemplates(runDatabase);
  project.provide('worldTemplates', templates);
  project.provide('migrationDatabaseUrl', runDatabase);
  return async () => {
    disposeWorldTemplates(templates);
    if (runDatabase) await dropRunDatabase(runDatabase);
  };
}
