// Builds the server/CLI bundle (dist/gerbang.js). Dependencies stay external: they are
// resolved from node_modules at run time, so native modules (better-sqlite3) keep working.
import { build } from 'esbuild';

const started = Date.now();
await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/gerbang.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
console.log(`build: dist/gerbang.js in ${Date.now() - started} ms`);
