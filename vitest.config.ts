import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Migrates the world templates once per run (test/helpers/world-template.ts).
    globalSetup: ['test/global-setup.ts'],
    // Waits, at the end of each file, for the world schemas still being dropped (test/helpers/world.ts).
    setupFiles: ['test/setup-file.ts'],
    // A budget, not a measure: a test that starts several CLI processes (about 1 s each alone) has
    // taken over 30 s while three files share the two cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Test files run in parallel processes; each builds its own world (temp SQLite file or a fresh
    // PostgreSQL schema), so they never share state.
    pool: 'forks',
    // A worker keeps its loaded modules from one file to the next: importing the app, the drivers and
    // the helpers anew for each of 70 files was a fifth of the suite's time (import 171 s → 34 s for
    // test/unit, data and admin). Files still share no state: every world, server and browser is made
    // and closed by its own file, and no test mocks modules or changes globals.
    isolate: false,
    // Most of a test's time is waiting (PostgreSQL, child servers, the browser), not CPU: three
    // files at a time on two cores finish the suite in about half the time one or two take.
    maxWorkers: 3,
    reporters: ['default'],
  },
});
