import { CLI_ACTOR } from '../../src/audit/index.js';
import type { ImportReport, LegacySource } from '../../src/legacy-import/index.js';
import { importLegacy, silentProgress } from '../../src/legacy-import/index.js';
import type { World } from '../helpers/world.js';

/** Runs the import service on a world's database, as `gerbang import legacy` does. */
export function runImport(
  world: World,
  source: LegacySource,
  dryRun = false,
  phoneCheck: 'import' | 'login' = 'import',
): Promise<ImportReport> {
  return importLegacy(
    {
      db: world.database.db,
      config: world.config,
      runtime: world.runtime,
      actor: CLI_ACTOR,
      progress: silentProgress,
      workers: 2,
      phoneCheck,
    },
    source,
    { dryRun },
  );
}

/** Row counts of every table an import could write. */
export async function tableCounts(world: World): Promise<Record<string, number>> {
  const db = world.database.db;
  const count = async (
    table: 'members' | 'licenses' | 'orders' | 'license_activations' | 'audit_log' | 'mail_outbox',
  ) => {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  return {
    members: await count('members'),
    licenses: await count('licenses'),
    orders: await count('orders'),
    license_activations: await count('license_activations'),
    audit_log: await count('audit_log'),
    mail_outbox: await count('mail_outbox'),
  };
}
