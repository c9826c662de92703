import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Insertable } from 'kysely';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import type { LicenseActivationsTable, LicensesTable } from '../src/db/schema.js';
import { fingerprintHash } from '../src/licenses/fingerprints.js';
import { newLicenseKey } from '../src/licenses/index.js';
import { benchServerEnv } from './server-process.js';

/**
 * The licenses the bench validates: `count` licenses of one product, each activated on one device
 * (fingerprint `bench-device-<i>`), written into the server's SQLite file before it starts. The
 * activations were last validated an hour ago, so the first validation of each key in a run also
 * writes its throttled last_validated_at (the worst case; later ones within a minute do not).
 */
export interface SeededLicense {
  key: string;
  fingerprint: string;
}

const BATCH = 500;
const HOUR_MS = 3_600_000;

export async function seedLicenses(
  dataDir: string,
  count: number,
): Promise<{ licenses: SeededLicense[]; seconds: number }> {
  const started = performance.now();
  const database = openDatabase({ kind: 'sqlite', file: join(dataDir, 'gerbang.db'), synchronous: 'NORMAL' });
  try {
    await migrateToLatest(database.db, database.dialect);
    const now = Date.now();
    const licenses: SeededLicense[] = [];
    await database.db.transaction().execute(async (trx) => {
      const order = await trx
        .insertInto('orders')
        .values({
          order_no: 'KEI-BENCH',
          transaction_no: 'KEI-TRX-BENCH',
          provider: 'lynk',
          external_ref: 'bench',
          email: 'bench@example.com',
          customer_name: 'Bench',
          phone: '',
          grand_total: 0,
          paid_at: null,
          created_at: now - HOUR_MS,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (let from = 0; from < count; from += BATCH) {
        const rows: Insertable<LicensesTable>[] = [];
        for (let i = from; i < Math.min(count, from + BATCH); i++) {
          const key = newLicenseKey('KEI-', randomBytes);
          licenses.push({ key, fingerprint: `bench-device-${i}` });
          rows.push({
            license_key: key,
            order_id: order.id,
            line_no: 1,
            unit_no: i + 1,
            product_uuid: 'bench-product',
            product_title: 'Software Bench',
            email: `buyer-${i}@bench.example`,
            lynk_ref_id: 'bench',
            max_devices: 3,
            status: 'active',
            expires_at: null,
            created_at: now - HOUR_MS,
            revoked_at: null,
            on_limit: 'refuse',
            revoked_reason: null,
          });
        }
        const ids = await trx.insertInto('licenses').values(rows).returning('id').execute();
        const activations: Insertable<LicenseActivationsTable>[] = ids.map((row, j) => ({
          license_id: row.id,
          slot: 1,
          fingerprint_hash: fingerprintHash(`bench-device-${from + j}`),
          name: 'Bench PC',
          created_at: now - HOUR_MS,
          last_validated_at: now - HOUR_MS,
          revoked_at: null,
          revoked_reason: null,
        }));
        await trx.insertInto('license_activations').values(activations).execute();
      }
    });
    // The seed went to the WAL: fold it into the database file now, or the server's first commit
    // would pay for checkpointing it (a stall in the measured phase that production never sees).
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(database.db);
    return { licenses, seconds: (performance.now() - started) / 1000 };
  } finally {
    await database.close();
  }
}

/**
 * The server's environment in every license bench run (benchServerEnv and more). All load comes from
 * 127.0.0.1: the per-IP limit would stop it; the per-key limit stays default.
 */
export function licenseServerEnv(options: { sync: string; logLevel: string; tokens: boolean }): Record<string, string> {
  return {
    ...benchServerEnv(options),
    LICENSE_API_MAX_PER_IP: '10000000',
    LICENSE_TOKENS: options.tokens ? 'true' : 'false',
  };
}
