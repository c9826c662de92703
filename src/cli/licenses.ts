import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/index.js';
import { systemRuntime } from '../clock.js';
import type { Config } from '../config/index.js';
import type { DatabaseHandle } from '../db/index.js';
import type { LicenseDeps } from '../licenses/index.js';
import {
  canonicalLicenseKey,
  findLicenseByKey,
  licenseState,
  listActivations,
  resetActivations,
  revokeLicense,
} from '../licenses/index.js';
import type { RealtimeBus } from '../realtime/index.js';
import { configFromEnvironment, UsageError, withDatabaseAndBus } from './context.js';
import { complain, formatTime, printRows, say } from './output.js';

/**
 * `gerbang licenses show|revoke|reset <key>`. The changes are audited as the CLI and recorded in
 * the realtime event log. On PostgreSQL they are NOTIFYed to the running servers, so open pages
 * react live; on SQLite pages learn of them when their stream reconnects or the page is loaded
 * again (the page checks the database).
 */
function keyArgument(args: string[], usage: string, options: Record<string, { type: 'boolean' | 'string' }> = {}) {
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
  if (positionals.length !== 1 || !positionals[0]?.trim()) throw new UsageError(`pemakaian: ${usage}`);
  return { key: positionals[0].trim(), values };
}

function cliDeps(database: DatabaseHandle, bus: RealtimeBus): LicenseDeps {
  return { db: database.db, dialect: database.dialect, runtime: systemRuntime, bus };
}

async function withLicense<T>(
  config: Config,
  key: string,
  fn: (database: DatabaseHandle, licenseId: number, bus: RealtimeBus) => Promise<T>,
): Promise<T> {
  const outcome = await withDatabaseAndBus(config, async (database, bus) => {
    const license = await findLicenseByKey(database.db, canonicalLicenseKey(key.trim(), config.licensePrefix));
    return license ? { value: await fn(database, license.id, bus) } : null;
  });
  if (!outcome) {
    complain(`gerbang: lisensi ${key} tidak ditemukan\n`);
    process.exit(1);
  }
  return outcome.value;
}

export async function licensesShow(args: string[]): Promise<void> {
  const { key, values } = keyArgument(args, 'gerbang licenses show <kunci> [--json]', { json: { type: 'boolean' } });
  const config = configFromEnvironment();
  const shown = await withLicense(config, key, async ({ db }, id) => {
    const license = await findLicenseByKey(db, canonicalLicenseKey(key, config.licensePrefix));
    const activations = await listActivations(db, id);
    return { license, activations };
  });
  const l = shown.license;
  if (!l) return;
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const activations = shown.activations.map((a) => ({
    id: a.id,
    slot: a.slot,
    name: a.name,
    status: a.revoked_at === null ? 'active' : `revoked (${a.revoked_reason ?? '-'})`,
    created_at: iso(a.created_at),
    last_validated_at: iso(a.last_validated_at),
    revoked_at: iso(a.revoked_at),
  }));
  const summary = {
    id: l.id,
    license_key: l.license_key,
    email: l.email,
    product_title: l.product_title,
    status: licenseState(l, Date.now()),
    max_devices: l.max_devices,
    on_limit: l.on_limit,
    expires_at: iso(l.expires_at),
    revoked_at: iso(l.revoked_at),
    revoked_reason: l.revoked_reason,
    created_at: iso(l.created_at),
    activations,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const live = activations.filter((a) => a.status === 'active').length;
  say(
    `${l.license_key}  ${summary.status}  ${l.product_title}\nPembeli: ${l.email}\nPerangkat: ${live} / ${l.max_devices} (bila penuh: ${l.on_limit === 'takeover' ? 'ambil alih' : 'tolak'})\nBerlaku sampai: ${l.expires_at === null ? 'selamanya' : formatTime(l.expires_at)}\n\n`,
  );
  printRows(
    activations.map((a) => ({ ...a, created_at: formatTime(Date.parse(a.created_at ?? '')) })),
    ['id', 'slot', 'name', 'status', 'created_at'],
    false,
  );
}

export async function licensesRevoke(args: string[]): Promise<void> {
  const { key, values } = keyArgument(args, 'gerbang licenses revoke <kunci> [--reason ALASAN]', {
    reason: { type: 'string' },
  });
  const reason = typeof values.reason === 'string' && values.reason.trim() ? values.reason.trim() : 'admin';
  const config = configFromEnvironment();
  const result = await withLicense(config, key, (database, id, bus) =>
    revokeLicense(cliDeps(database, bus), id, CLI_ACTOR, reason),
  );
  if (!result.ok && result.code === 'ALREADY_REVOKED') {
    complain(`gerbang: lisensi ${key} sudah dicabut sebelumnya\n`);
    process.exit(1);
  }
  say(`Lisensi ${key} dicabut.\n`);
}

export async function licensesReset(args: string[]): Promise<void> {
  const { key } = keyArgument(args, 'gerbang licenses reset <kunci>');
  const config = configFromEnvironment();
  const ended = await withLicense(config, key, (database, id, bus) =>
    resetActivations(cliDeps(database, bus), id, CLI_ACTOR),
  );
  say(`Aktivasi lisensi ${key} direset: ${ended ?? 0} perangkat dilepas.\n`);
}
