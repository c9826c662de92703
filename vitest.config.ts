import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files run in parallel processes; each builds its own world (temp SQLite file or a fresh
    // PostgreSQL schema), so they never share state.
    pool: 'forks',
    reporters: ['default'],
  },
});
