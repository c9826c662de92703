// Builds the server/CLI bundle (dist/gerbang.js) and its worker threads' (dist/*-worker.js).
// Pure-JS dependencies are bundled in; native modules (better-sqlite3) and packages loaded by path or
// lazily stay external, resolved from node_modules at run time (see `external` below).
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const started = Date.now();
const server = await build({
  // Worker threads are modules of their own, started by path beside the bundle (no code in strings):
  // the license touch writer's, the license tokens' signer, the SQLite mail worker's and the legacy
  // import's phone check.
  entryPoints: {
    gerbang: 'src/cli/main.ts',
    'touch-worker': 'src/licenses/touch-worker.ts',
    'signing-worker': 'src/licenses/signing-worker.ts',
    'mail-thread': 'src/mail-thread.ts',
    'legacy-phone-worker': 'src/legacy-import/phone-check-worker.ts',
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Pure-JS dependencies go into the bundle: loading them as node_modules packages (resolving each
  // file, reading package.json, compiling module by module) was about 40 % of every process's
  // start-up CPU (`gerbang members list`: 0.75 → 0.5 s), paid by each CLI command and server start.
  // External stay: native modules, packages that load files or threads by path at run time, and the
  // big ones only some commands load lazily (import() of a package name).
  external: [
    'better-sqlite3',
    '@node-rs/argon2',
    'pino',
    'pg-native',
    'mysql2',
    'mysql2/*',
    'node-sql-parser',
    'node-sql-parser/*',
    'nodemailer',
    'pdf-lib',
    '@zxcvbn-ts/language-common',
  ],
  // The bundled CommonJS packages call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __gerbangRequire } from 'node:module'; const require = __gerbangRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
  // Each CLI command's module is a chunk that src/cli/main.ts imports when the command runs, with the
  // packages only it needs: a short command starts without the web server's (about a third of its
  // start-up CPU, paid again by each of the few hundred commands the test suite runs). The chunks
  // sit beside gerbang.js, where the code finds its worker threads and assets.
  splitting: true,
  chunkNames: '[name]-[hash]',
  metafile: true,
});
// Chunks of earlier builds (their names hash their contents) would pile up.
const written = new Set(Object.keys(server.metafile.outputs));
for (const name of readdirSync('dist'))
  if (/\.js(\.map)?$/.test(name) && !written.has(`dist/${name}`)) rmSync(join('dist', name));
console.log(
  `build: dist/gerbang.js, dist/touch-worker.js, dist/signing-worker.js, dist/mail-thread.js, dist/legacy-phone-worker.js in ${Date.now() - started} ms`,
);

// The browser scripts, served at /assets/login.js and /assets/member.js. One self-contained IIFE per
// page (the CSP allows no inline script and no module graph to fetch); es2019 reaches the Chrome,
// Firefox and Safari releases of 2020 that members still use.
const browserStarted = Date.now();
await build({
  entryPoints: {
    login: 'src/client/login-page.ts',
    member: 'src/client/member-page.ts',
    copy: 'src/client/copy-buttons.ts',
  },
  outdir: 'dist/public',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2019',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
console.log(`build: dist/public/login.js, dist/public/member.js in ${Date.now() - browserStarted} ms`);
