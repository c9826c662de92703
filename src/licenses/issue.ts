import type { Insertable, Kysely } from 'kysely';
import type { Database, LicensesTable } from '../db/index.js';
import { executeCompiledOnce, statementChunks } from '../db/index.js';
import { newLicenseKey } from './keys.js';

export interface LicenseLine {
  lineNo: number;
  title: string;
  uuid: string;
  qty: number;
  maxDevices: number;
  validityDays: number | null;
  onLimit: 'refuse' | 'takeover';
  /** Offline grace of the license's tokens; null: LICENSE_TOKEN_GRACE_DAYS at signing time. */
  offlineGraceDays: number | null;
  /** Releases per 30 days; null or absent: LICENSE_MAX_TRANSFERS. */
  maxTransfers?: number | null;
}

export interface IssuedLine {
  title: string;
  keys: string[];
}

const DAY_MS = 86_400_000;

/**
 * One license per paid unit (every item line × its qty). The (order, line, unit) unique constraint
 * makes a second run impossible to double.
 */
export async function issueOrderLicenses(
  db: Kysely<Database>,
  args: {
    orderId: number;
    email: string;
    lynkRefId: string;
    lines: LicenseLine[];
    prefix: string;
    now: number;
    randomBytes: (n: number) => Buffer;
  },
): Promise<IssuedLine[]> {
  const issued: IssuedLine[] = [];
  const rows: Insertable<LicensesTable>[] = [];
  for (const line of args.lines) {
    const keys: string[] = [];
    for (let unit = 1; unit <= line.qty; unit++) {
      const key = newLicenseKey(args.prefix, args.randomBytes);
      keys.push(key);
      rows.push({
        license_key: key,
        order_id: args.orderId,
        line_no: line.lineNo,
        unit_no: unit,
        product_uuid: line.uuid,
        product_title: line.title,
        email: args.email,
        lynk_ref_id: args.lynkRefId,
        max_devices: line.maxDevices,
        status: 'active' as const,
        expires_at: line.validityDays === null ? null : args.now + line.validityDays * DAY_MS,
        created_at: args.now,
        revoked_at: null,
        on_limit: line.onLimit,
        revoked_reason: null,
        offline_grace_days: line.offlineGraceDays,
        max_transfers: line.maxTransfers ?? null,
      });
    }
    issued.push({ title: line.title, keys });
  }
  // A cart of thousands of units would pass the bind-parameter limit in one statement and fail whole.
  for (const chunk of statementChunks(rows)) await insertLicenses(db, chunk);
  return issued;
}

/** Rows per statement up to which the SQL text is compiled once per size and kept (carts of a few units). */
const CACHED_SHAPE_ROWS = 64;

function insertLicenses(db: Kysely<Database>, rows: Insertable<LicensesTable>[]) {
  const build = () => db.insertInto('licenses').values(rows);
  // The SQL of a big chunk is long and its size rarely repeats: compiled each time, not kept in memory.
  if (rows.length > CACHED_SHAPE_ROWS) return build().execute();
  return executeCompiledOnce(db, `insert ${rows.length} licenses`, rows.flatMap(Object.values), build);
}
