import { createPublicKey } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/index.js';
import { systemRuntime } from '../clock.js';
import type { Config } from '../config/index.js';
import { ensureActiveKey, LICENSE_KEYS_PATH, listSigningKeys, rotateSigningKey } from '../licenses/index.js';
import { configFromEnvironment, withDatabase } from './context.js';
import { formatTime, printRows } from './output.js';

/**
 * `gerbang keys show|rotate`: the Ed25519 keys that sign license tokens. Only public halves are
 * ever printed; the private key stays sealed in the database.
 */

const secretsOf = (config: Config) => ({
  masterSecret: config.cookieSecret,
  defaultGraceDays: config.licenseTokens.graceDays,
});

function pemOf(x: string): string {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
}

type KeyRow = Awaited<ReturnType<typeof listSigningKeys>>[number];

function describe(row: KeyRow, now: number) {
  const published = row.active === 1 || (row.published_until !== null && row.published_until > now);
  return {
    kid: row.kid,
    status: row.active === 1 ? 'aktif' : published ? 'pensiun, masih dipublikasikan' : 'pensiun, tidak dipublikasikan',
    created_at: formatTime(row.created_at),
    retired_at: formatTime(row.retired_at),
    published_until: row.active === 1 ? '-' : formatTime(row.published_until),
    jwk: { kty: 'OKP', crv: 'Ed25519', x: row.public_key, kid: row.kid, alg: 'EdDSA', use: 'sig' },
    pem: pemOf(row.public_key),
  };
}

export async function keysShow(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, strict: true });
  const config = configFromEnvironment();
  const now = systemRuntime.now();
  // The first key is made here if no token was signed yet, so an app can ship with it from day one.
  const rows = await withDatabase(config, async ({ db }) => {
    await ensureActiveKey(db, config.cookieSecret, now);
    return listSigningKeys(db);
  });
  const keys = rows.map((row) => describe(row, now));
  const url = `${config.publicUrl}${LICENSE_KEYS_PATH}`;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ jwks_url: url, keys }, null, 2)}\n`);
    return;
  }
  printRows(keys, ['kid', 'status', 'created_at', 'retired_at', 'published_until'], false);
  const active = keys.find((k) => k.status === 'aktif');
  process.stdout.write(`\nKunci publik yang dipakai aplikasi untuk memeriksa token lisensi: ${url}\n`);
  if (active)
    process.stdout.write(
      `\nKunci aktif (JWK):\n${JSON.stringify(active.jwk, null, 2)}\n\nKunci aktif (PEM):\n${active.pem}`,
    );
}

export async function keysRotate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { 'revoke-previous': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const config = configFromEnvironment();
  const now = systemRuntime.now();
  const revokePrevious = values['revoke-previous'];
  const rows = await withDatabase(config, async ({ db }) => {
    await rotateSigningKey(db, secretsOf(config), { now, actor: CLI_ACTOR, reason: 'operator', revokePrevious });
    return listSigningKeys(db);
  });
  const keys = rows.map((row) => describe(row, now));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ keys }, null, 2)}\n`);
    return;
  }
  const [active, previous] = keys;
  process.stdout.write(
    `Kunci baru ${active?.kid ?? '?'} menandatangani token mulai sekarang (server lain: dalam 1 menit).\n`,
  );
  if (previous)
    process.stdout.write(
      revokePrevious
        ? 'Kunci lama tidak dipublikasikan lagi: token lamanya gagal diperiksa offline; aplikasi perlu online untuk token baru.\n'
        : `Kunci lama ${previous.kid} tetap dipublikasikan sampai ${previous.published_until} (UTC), sampai token terakhirnya kedaluwarsa.\n`,
    );
}
