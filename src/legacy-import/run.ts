import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/index.js';
import { recordAudit } from '../audit/index.js';
import type { Runtime } from '../clock.js';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { storedProductRules, withStoredRules } from '../products/index.js';
import { applyPlan } from './apply.js';
import { loadExistingState } from './existing-state.js';
import type { LegacyData } from './legacy-rows.js';
import { readMysqlSource } from './mysql-source.js';
import { PhoneChecker } from './phone-check.js';
import { planImport } from './plan.js';
import type { ImportProgress } from './progress.js';
import type { ImportReport } from './report.js';
import { buildReport } from './report.js';
import { redactUrl } from './source-error.js';
import { readSqlDump } from './sql-dump-source.js';

/** Where the old data comes from: the old MySQL server, or a .sql export of it. */
export type LegacySource = { kind: 'mysql'; url: string } | { kind: 'sql-dump'; path: string };

export interface ImportDeps {
  db: Kysely<Database>;
  config: Pick<Config, 'products' | 'licensePrefix' | 'displayTimeZone'>;
  runtime: Runtime;
  actor: AuditActor;
  progress: ImportProgress;
  /** Rows per transaction (default 500). */
  batchSize?: number;
  /** Phone-check worker threads (default: one per core). */
  workers?: number;
  /**
   * When to find members whose password still is their phone number: `import` compares every
   * bcrypt hash now (about 0.1 s of CPU each at PHP's cost 10, spread over the cores); `login`
   * leaves it to each member's first successful login, which sees the password typed and so
   * costs nothing. Either way such a member chooses a new password before any member page.
   */
  phoneCheck?: 'import' | 'login';
}

export function describeSource(source: LegacySource): string {
  return source.kind === 'mysql' ? redactUrl(source.url) : source.path;
}

export function readLegacySource(source: LegacySource): Promise<LegacyData> {
  return source.kind === 'mysql' ? readMysqlSource(source.url) : readSqlDump(source.path);
}

/**
 * Read → plan → apply. The plan is made from what Gerbang already holds, so a second run (or
 * one after an interruption) creates only what is missing. A dry run stops after the plan:
 * nothing is written, not even the audit entry.
 */
export async function importLegacy(
  deps: ImportDeps,
  source: LegacySource,
  options: { dryRun: boolean },
): Promise<ImportReport> {
  const started = Date.now();
  const data = await readLegacySource(source);
  const now = deps.runtime.now();
  const catalog = withStoredRules(deps.config.products, await storedProductRules(deps.db));
  const existing = await loadExistingState(deps.db, data);
  const plan = planImport(data, existing, { catalog, now, timeZone: deps.config.displayTimeZone });
  const meta = { dryRun: options.dryRun, source: describeSource(source) };
  if (options.dryRun) return buildReport(plan, null, { ...meta, durationMs: Date.now() - started });

  const phoneChecker = deps.phoneCheck === 'login' ? null : new PhoneChecker(deps.workers);
  let counts: Awaited<ReturnType<typeof applyPlan>>;
  try {
    counts = await applyPlan(
      {
        db: deps.db,
        now,
        prefix: deps.config.licensePrefix,
        randomBytes: deps.runtime.randomBytes,
        batchSize: deps.batchSize ?? 500,
        phoneChecker,
        progress: deps.progress,
      },
      plan,
    );
  } finally {
    await phoneChecker?.close();
  }
  const report = buildReport(plan, phoneChecker ? counts : { ...counts, phoneDefault: null }, {
    ...meta,
    durationMs: Date.now() - started,
  });
  await recordAudit(
    deps.db,
    deps.actor,
    {
      action: 'legacy.import',
      target: { type: 'import', id: report.source },
      details: {
        ringkasan: `Impor: ${counts.membersCreated} member, ${counts.licensesCreated} lisensi`,
        members: report.members,
        licenses: report.licenses,
        skipped: report.skipped.length,
      },
    },
    deps.runtime.now(),
  );
  return report;
}
