// Runs the whole vitest suite and ends with the line CI reads: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, statfsSync } from 'node:fs';

/**
 * The tests' temp directories (their SQLite files, data dirs, CLI workspaces) go to /dev/shm when it is
 * a roomy tmpfs: the databases keep synchronous=FULL, but an fsync there costs nothing, so the suite
 * stops waiting on the disk. A small /dev/shm (a container's 64 MiB) or none keeps the system's TMPDIR.
 */
function memoryTmpdir() {
  if (process.env.TMPDIR) return undefined;
  try {
    accessSync('/dev/shm', constants.W_OK);
    const stats = statfsSync('/dev/shm');
    return stats.bavail * stats.bsize >= 4 * 1024 ** 3 ? '/dev/shm' : undefined;
  } catch {
    return undefined;
  }
}

mkdirSync('test-results', { recursive: true });
const report = 'test-results/vitest.json';
const run = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: { ...process.env, ...(memoryTmpdir() ? { TMPDIR: memoryTmpdir() } : {}) } },
);

let passed = 0;
let failed = 0;
try {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed = result.numPassedTests;
  failed = result.numFailedTests;
  // A file that failed to load counts as a failure even though it ran no test.
  for (const file of result.testResults ?? [])
    if (file.status === 'failed' && file.assertionResults.length === 0) failed += 1;
} catch {
  failed = Math.max(failed, 1);
}
if (run.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
