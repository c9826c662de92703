import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/index.js';
import type { WebhookProvider } from '../db/index.js';
import { addSigningKey, keyFingerprint, listSigningKeys, retireSigningKey, webhookEnvKeys } from '../webhooks/index.js';
import { configFromEnvironment, UsageError, withDatabase } from './context.js';
import { formatTime, printRows } from './output.js';
import { readStdin } from './stdin.js';

/**
 * `gerbang webhook-keys list|add|retire`: the Lynk.id and Hesda webhook keys kept in the database.
 * Every instance reads them from there (within seconds, and at once when a signature matches none
 * of the keys it knew), so a rotation needs no restart and no restart order matters. Keys are
 * shown by fingerprint only; a new key is read from stdin, never from the command line (where
 * `ps` and the shell history would show it).
 */

const PROVIDERS = ['lynk', 'hesda'] as const;

function providerOf(value: string | undefined): WebhookProvider {
  if (value === 'lynk' || value === 'hesda') return value;
  throw new UsageError(`--provider harus salah satu dari: ${PROVIDERS.join(', ')}`);
}

export async function webhookKeysList(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { provider: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const provider = values.provider === undefined ? undefined : providerOf(values.provider);
  const config = configFromEnvironment();
  const rows = await withDatabase(config, (database) =>
    listSigningKeys(database.db, webhookEnvKeys(config), Date.now(), provider),
  );
  printRows(
    rows.map((r) => ({
      ...r,
      expiresAt: values.json ? r.expiresAt : formatTime(r.expiresAt),
      createdAt: values.json ? r.createdAt : formatTime(r.createdAt),
    })),
    ['id', 'provider', 'fingerprint', 'status', 'expiresAt', 'source', 'createdAt'],
    values.json,
  );
}

export async function webhookKeysAdd(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      provider: { type: 'string' },
      'key-stdin': { type: 'boolean', default: false },
      // 72 hours: time for the seller to paste the new key into the dashboard and for retries.
      'previous-hours': { type: 'string', default: '72' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const provider = providerOf(values.provider);
  if (!values['key-stdin'])
    throw new UsageError('kunci baru dibaca dari stdin: tambahkan --key-stdin (mis. `… --key-stdin < kunci.txt`)');
  const hours = Number(values['previous-hours']);
  if (!Number.isFinite(hours) || hours < 0 || hours > 24 * 90)
    throw new UsageError('--previous-hours harus angka 0–2160');
  const secret = (await readStdin()).trim();
  if (secret.length < 8) throw new UsageError('kunci minimal 8 karakter');
  const config = configFromEnvironment();
  const result = await withDatabase(config, (database) =>
    addSigningKey(
      database.db,
      webhookEnvKeys(config),
      {
        provider,
        secret,
        previousValidMs: Math.round(hours * 3_600_000),
        now: Date.now(),
      },
      CLI_ACTOR,
    ),
  );
  if (!result.ok) throw new UsageError('kunci itu sudah dipakai (aktif); tidak ada yang diubah');
  const answer = { id: result.id, provider, fingerprint: keyFingerprint(secret), previousUntil: result.previousUntil };
  if (values.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
  else
    process.stdout.write(
      `Kunci ${provider} #${result.id} (${answer.fingerprint}) aktif di semua server.` +
        (result.previousUntil === null
          ? '\n'
          : ` Kunci sebelumnya tetap diterima s/d ${formatTime(result.previousUntil)}.\n`),
    );
}

export async function webhookKeysRetire(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { at: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const id = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(id) || id < 1)
    throw new UsageError('pemakaian: webhook-keys retire <id>');
  const at = values.at === undefined ? Date.now() : Date.parse(values.at);
  if (!Number.isFinite(at)) throw new UsageError('--at harus waktu ISO 8601, mis. 2026-12-31T17:00:00Z');
  const config = configFromEnvironment();
  const result = await withDatabase(config, (database) => retireSigningKey(database.db, id, at, CLI_ACTOR));
  if (!result.ok)
    throw new Error(
      result.reason === 'NOT_FOUND'
        ? `kunci #${id} tidak ada`
        : `kunci #${id} adalah kunci aktif: tambahkan kunci baru dulu (webhook-keys add), lalu pensiunkan yang lama`,
    );
  process.stdout.write(`Kunci #${id} tidak diterima lagi sejak ${formatTime(at)} UTC.\n`);
}
