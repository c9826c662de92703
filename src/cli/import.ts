import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/index.js';
import { systemRuntime } from '../clock.js';
import type { LegacySource } from '../legacy-import/index.js';
import { importLegacy, LegacySourceError, reportText, silentProgress, streamProgress } from '../legacy-import/index.js';
import { configFromEnvironment, UsageError, withDatabase } from './context.js';

const USAGE =
  'gerbang import legacy (--from mysql://user:sandi@host:3306/db | --from-sql dump.sql) [--dry-run] [--json] [--batch-size N] [--phone-check import|login]';

/**
 * `gerbang import legacy`: members and license keys from the previous PHP system, from its MySQL
 * database or a .sql export. The report goes to stdout (JSON with --json), progress to stderr.
 * Exit 0 when the import ran (skipped rows are in the report), 1 when the source cannot be read
 * or the import failed, 2 for bad usage.
 */
export async function importLegacyCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      'from-sql': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'batch-size': { type: 'string' },
      'phone-check': { type: 'string', default: 'import' },
    },
    strict: true,
  });
  const source: LegacySource | null = values.from
    ? { kind: 'mysql', url: values.from }
    : values['from-sql']
      ? { kind: 'sql-dump', path: values['from-sql'] }
      : null;
  if (!source || (values.from && values['from-sql'])) throw new UsageError(`pemakaian: ${USAGE}`);
  const batchSize = values['batch-size'] === undefined ? 500 : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000)
    throw new UsageError('--batch-size harus bilangan bulat 1–1000');

  const phoneCheck = values['phone-check'];
  if (phoneCheck !== 'import' && phoneCheck !== 'login') throw new UsageError('--phone-check harus import atau login');

  const config = configFromEnvironment();
  try {
    const report = await withDatabase(config, (database) =>
      importLegacy(
        {
          db: database.db,
          config,
          runtime: systemRuntime,
          actor: CLI_ACTOR,
          progress: values['dry-run'] ? silentProgress : streamProgress(process.stderr),
          batchSize,
          phoneCheck,
        },
        source,
        { dryRun: values['dry-run'] },
      ),
    );
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report));
  } catch (error) {
    if (!(error instanceof LegacySourceError)) throw error;
    if (values.json)
      process.stdout.write(`${JSON.stringify({ error: { code: 'SOURCE_UNREADABLE', message: error.message } })}\n`);
    process.stderr.write(`gerbang: ${error.message}\n`);
    process.exitCode = 1;
  }
}
