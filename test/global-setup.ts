import type { TestProject } from 'vitest/node';
import { postgresAvailable, TEST_DATABASE_URL } from './helpers/world.js';
import type { WorldTemplates } from './helpers/world-template.js';
import { buildWorldTemplates, disposeWorldTemplates } from './helpers/world-template.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Migrated once per run; every world starts from a copy (test/helpers/world-template.ts). */
    worldTemplates: WorldTemplates;
  }
}

/** Runs once per `vitest run`, before any test file. */
export default async function setup(project: TestProject): Promise<() => void> {
  const templates = await buildWorldTemplates((await postgresAvailable()) ? TEST_DATABASE_URL : null);
  project.provide('worldTemplates', templates);
  return () => disposeWorldTemplates(templates);
}
