#!/usr/bin/env node
// The `gerbang` command: runs the bundle that `npm run build` (also `npm start`, `npm test`) writes.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/gerbang.js', import.meta.url));
if (!existsSync(bundle)) {
  console.error('gerbang: dist/gerbang.js belum ada. Jalankan `npm run build` terlebih dahulu.');
  process.exit(1);
}
await import(bundle);
