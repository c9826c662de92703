import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import type { Config } from '../config/index.js';
import { loadConfig, readEnvironment } from '../config/index.js';
import type { DatabaseHandle } from '../db/index.js';
import { openDatabase, pendingMigrations } from '../db/index.js';
import type { SigningKeys } from '../webhooks/index.js';
import { keyFingerprint, keysFromRows, signLynkPayment, webhookEnvKeys } from '../webhooks/index.js';
import { environmentFile } from './env-file.js';
import { formatTime, useTimeZone } from './output.js';

type Check = { ok: boolean; text: string };

const SELF_TEST_EVENT = 'gerbang.self_test';

/**
 * `gerbang doctor`: the go-live check. Each line says ok or gagal in words; any failure exits 1.
 * Nothing is sent to buyers: SMTP is only connected to (EHLO and AUTH), and the self-test delivery
 * is an event Gerbang stores as ignored (it grants nothing).
 */
export async function doctor(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { url: { type: 'string' }, 'no-delivery': { type: 'boolean' } },
    strict: true,
  });
  const lines: Check[] = [];
  const say = (check: Check) => {
    lines.push(check);
    process.stdout.write(`${check.ok ? 'ok   ' : 'GAGAL'}  ${check.text}\n`);
  };
  const loaded = loadConfig(readEnvironment(process.cwd(), process.env, environmentFile()));
  if (!loaded.ok) {
    for (const error of loaded.errors) say({ ok: false, text: `konfigurasi: ${error}` });
    process.exit(1);
  }
  const config = loaded.config;
  useTimeZone(config.displayTimeZone);
  say({ ok: true, text: `konfigurasi: valid (${config.env})` });
  const database = await checkDatabase(config, say);
  say(await checkSmtp(config));
  say(checkPublicUrl(config));
  let keys: SigningKeys | undefined;
  if (database) {
    keys = await lynkKeys(database, config);
    say(describeKeys(keys, config));
  }
  if (values['no-delivery']) say({ ok: true, text: 'kiriman uji: dilewati (--no-delivery)' });
  else if (database && keys)
    say(await selfTestDelivery(database, keys, values.url ?? `${config.publicUrl}/webhook/lynk`));
  await database?.close();
  const failed = lines.filter((line) => !line.ok).length;
  process.stdout.write(failed === 0 ? '\nSemua pemeriksaan lolos.\n' : `\n${failed} pemeriksaan gagal.\n`);
  if (failed > 0) process.exit(1);
}

async function checkDatabase(config: Config, say: (check: Check) => void): Promise<DatabaseHandle | null> {
  const where = config.database.kind === 'sqlite' ? `SQLite ${config.database.file}` : 'PostgreSQL (DATABASE_URL)';
  if (config.database.kind === 'sqlite' && !existsSync(config.database.file)) {
    say({ ok: false, text: `database: ${where} belum ada (jalankan gerbang migrate --create, atau periksa DATA_DIR)` });
    return null;
  }
  const database = openDatabase(config.database, { poolSize: 2 });
  try {
    const { pending, newer } = await pendingMigrations(database.db, database.dialect);
    if (pending.length > 0) {
      say({
        ok: false,
        text: `database: ${where}; migrasi belum diterapkan: ${pending.join(', ')} (jalankan gerbang migrate)`,
      });
      return database;
    }
    const note = newer.length > 0 ? `; memuat migrasi versi lebih baru: ${newer.join(', ')}` : '';
    say({ ok: true, text: `database: ${where}, migrasi terbaru${note}` });
    return database;
  } catch (error) {
    say({ ok: false, text: `database: ${where} tidak bisa dihubungi (${messageOf(error)})` });
    await database.close().catch(() => {});
    return null;
  }
}

async function checkSmtp(config: Config): Promise<Check> {
  if (config.mail.transport === 'none') return { ok: true, text: 'email: MAIL_TRANSPORT=none (toko tanpa email)' };
  if (config.mail.transport === 'dev' || !config.mail.smtpUrl)
    return { ok: config.env !== 'production', text: 'email: kotak surat dev (tidak ada yang dikirim)' };
  const transporter = nodemailer.createTransport({
    url: config.mail.smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 15_000,
  });
  const host = new URL(config.mail.smtpUrl).host;
  try {
    // Connect, EHLO, STARTTLS where offered, AUTH: everything but a message.
    await transporter.verify();
    return { ok: true, text: `email: server SMTP ${host} menerima koneksi dan login` };
  } catch (error) {
    return { ok: false, text: `email: server SMTP ${host} gagal (${messageOf(error)})` };
  } finally {
    transporter.close();
  }
}

function checkPublicUrl(config: Config): Check {
  const https = config.publicUrl.startsWith('https://');
  if (config.env === 'production' && !https)
    return { ok: false, text: `PUBLIC_URL: ${config.publicUrl} harus https di production (Lynk.id dan cookie Secure)` };
  return { ok: true, text: `PUBLIC_URL: ${config.publicUrl}` };
}

async function lynkKeys(database: DatabaseHandle, config: Config): Promise<SigningKeys | undefined> {
  const rows = await database.db
    .selectFrom('webhook_signing_keys')
    .selectAll()
    .where('provider', '=', 'lynk')
    .execute();
  return keysFromRows(rows, Date.now()) ?? webhookEnvKeys(config).lynk;
}

function describeKeys(keys: SigningKeys | undefined, config: Config): Check {
  if (!keys) return { ok: false, text: 'kunci Lynk: tidak ada (setel LYNK_MERCHANT_KEY)' };
  const generated = config.generatedSecrets.includes('LYNK_MERCHANT_KEY');
  const previous = keys.previous
    ? `, kunci lama ${keyFingerprint(keys.previous.key)} berlaku ${keys.previous.until ? `s/d ${formatTime(keys.previous.until)}` : 'tanpa batas'}`
    : '';
  return {
    ok: !(generated && config.env === 'production'),
    text: `kunci Lynk: ${keyFingerprint(keys.current)}${generated ? ' (dibuat otomatis untuk pengembangan)' : ''}${previous}`,
  };
}

/**
 * A delivery signed with the current key, to the running server: proves that the URL reaches it
 * and that it verifies with the same key. Its event type is not a payment, so it is stored as
 * ignored and grants nothing; the doctor then finds its row.
 */
async function selfTestDelivery(database: DatabaseHandle, keys: SigningKeys, url: string): Promise<Check> {
  const id = `doctor-${randomBytes(8).toString('hex')}`;
  const body = {
    event: SELF_TEST_EVENT,
    data: { message_id: id, message_action: 'TEST', message_data: { refId: id, totals: { grandTotal: 0 } } },
  };
  const signed = signLynkPayment(body, keys.current);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-lynk-signature': signed.signature },
      body: signed.body,
      signal: AbortSignal.timeout(15_000),
    });
    const answer = (await response.json().catch(() => null)) as { outcome?: unknown; event_id?: unknown } | null;
    if (response.status === 401)
      return {
        ok: false,
        text: `kiriman uji: ${url} menolak tanda tangan (server memakai kunci lain; mulai ulang atau periksa gerbang keys webhook list)`,
      };
    if (response.status !== 200 || answer?.outcome !== 'ignored')
      return { ok: false, text: `kiriman uji: ${url} menjawab ${response.status}` };
    const stored = await database.db
      .selectFrom('webhook_events')
      .select('id')
      .where('provider', '=', 'lynk')
      .where('external_id', '=', id)
      .executeTakeFirst();
    if (!stored)
      return {
        ok: false,
        text: `kiriman uji: ${url} menjawab 200 tetapi tidak tersimpan di database ini (server memakai database lain?)`,
      };
    return { ok: true, text: `kiriman uji: diterima dan disimpan sebagai event #${stored.id} (tes, tanpa pesanan)` };
  } catch (error) {
    return { ok: false, text: `kiriman uji: ${url} tidak menjawab (${messageOf(error)}); jalankan server dulu` };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 200) : String(error);
}
