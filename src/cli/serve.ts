import { parseArgs } from 'node:util';
import type { Config } from '../config/index.js';
import { devSecretsPath } from '../config/index.js';
import { createLogger } from '../logger.js';
import { startServer } from '../server.js';
import { configFromEnvironment, databaseName, withDatabase } from './context.js';

export async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { 'no-mail': { type: 'boolean' } }, strict: true });
  const loaded = configFromEnvironment();
  // --no-mail: as MAIL_PAUSED=1, for one start (a restored copy must not email buyers).
  const config: Config = values['no-mail'] ? { ...loaded, mail: { ...loaded.mail, paused: true } } : loaded;
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  const server = await startServer(config, logger).catch((error: unknown) => {
    throw portTaken(error, config) ?? error;
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // A repeated signal is ignored, not fatal: on Ctrl-C under `npm start` both the terminal and npm
    // deliver SIGINT. A shutdown that hangs still ends the process.
    setTimeout(() => process.exit(1), 15_000).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // The banner says "ready" to people and supervisors alike, so it comes only once a signal would
  // be handled: a SIGTERM sent right after it used to kill the process instead of draining it.
  process.stdout.write(banner(config, server.url));
}

/** A busy port is a newcomer's most common first failure: say so in words, not as a Node stack. */
function portTaken(error: unknown, config: Config): Error | null {
  if (!(error instanceof Error) || !('code' in error) || error.code !== 'EADDRINUSE') return null;
  return new Error(
    `port ${config.port} di ${config.host} sudah dipakai proses lain. Hentikan proses itu atau setel PORT lain (PORT=0 memilih port yang bebas).`,
  );
}

function banner(config: Config, url: string): string {
  const db = config.database.kind === 'sqlite' ? `SQLite ${config.database.file}` : 'PostgreSQL (DATABASE_URL)';
  const mail =
    config.mail.transport === 'none'
      ? 'tidak dikirim (MAIL_TRANSPORT=none)'
      : config.mail.transport === 'smtp'
        ? 'SMTP (SMTP_URL)'
        : 'kotak surat dev — lihat dengan `gerbang mail list`';
  const paused = config.mail.paused && config.mail.transport !== 'none' ? ' — DIJEDA (MAIL_PAUSED / --no-mail)' : '';
  // PORT=0 asks the OS for a free port: the derived PUBLIC_URL still says ":0", the listener knows the real one.
  const publicUrl = new URL(config.publicUrl).port === '0' ? url : config.publicUrl;
  const lines = [
    '',
    `Gerbang berjalan di ${url}  (${config.env})`,
    `  Webhook Lynk.id : ${publicUrl}/webhook/lynk`,
    `  Webhook Hesda   : ${publicUrl}/webhooks/ppob`,
    `  Login member    : ${publicUrl}/login`,
    `  Konsol admin    : ${publicUrl}/admin  (pertama kali: ${publicUrl}/setup)`,
    `  Database        : ${db}`,
    `  Email           : ${mail}${paused}`,
  ];
  if (config.generatedSecrets.length > 0) {
    lines.push(`  Rahasia dev     : dibuat otomatis, disimpan di ${devSecretsPath(config.dataDir)}`);
    if (config.generatedSecrets.includes('LYNK_MERCHANT_KEY'))
      lines.push(`  LYNK_MERCHANT_KEY (dev) = ${config.lynkMerchantKey}`);
    if (config.generatedSecrets.includes('HESDA_SECRET_KEY') && config.ppob.apiUrl)
      lines.push(`  HESDA_SECRET_KEY (dev) = ${config.ppob.secretKey}`);
    lines.push('  Di production, setel COOKIE_SECRET dan LYNK_MERCHANT_KEY sendiri.');
  }
  const target = publicUrl === config.publicUrl ? '' : ` --url ${publicUrl}/webhook/lynk`;
  lines.push(`  Coba: npx gerbang lynk simulate${target} --email anda@example.com`, '');
  return `${lines.join('\n')}\n`;
}

export async function migrate(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { create: { type: 'boolean' } }, strict: true });
  const config = configFromEnvironment();
  await withDatabase(config, async () => {}, { create: values.create === true });
  process.stdout.write(`Database sudah pada versi terbaru (${databaseName(config)}).\n`);
}
