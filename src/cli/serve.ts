import { parseArgs } from 'node:util';
import type { Config } from '../config/index.js';
import { devSecretsPath } from '../config/index.js';
import { createLogger } from '../logger.js';
import { startServer } from '../server.js';
import { configFromEnvironment, withDatabase } from './context.js';

export async function serve(args: string[]): Promise<void> {
  parseArgs({ args, options: {}, strict: true });
  const config = configFromEnvironment();
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger);
  process.stdout.write(banner(config, server.url));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // A second signal, or a shutdown that hangs, ends the process anyway.
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
}

function banner(config: Config, url: string): string {
  const db = config.database.kind === 'sqlite' ? `SQLite ${config.database.file}` : 'PostgreSQL (DATABASE_URL)';
  const mail = config.mail.smtpUrl ? 'SMTP (SMTP_URL)' : 'kotak surat dev — lihat dengan `gerbang mail list`';
  const lines = [
    '',
    `Gerbang berjalan di ${url}  (${config.env})`,
    `  Webhook Lynk.id : ${config.publicUrl}/webhook/lynk`,
    `  Database        : ${db}`,
    `  Email           : ${mail}`,
  ];
  if (config.generatedSecrets.length > 0) {
    lines.push(`  Rahasia dev     : dibuat otomatis, disimpan di ${devSecretsPath(config.dataDir)}`);
    if (config.generatedSecrets.includes('LYNK_MERCHANT_KEY'))
      lines.push(`  LYNK_MERCHANT_KEY (dev) = ${config.lynkMerchantKey}`);
    lines.push('  Di production, setel COOKIE_SECRET dan LYNK_MERCHANT_KEY sendiri.');
  }
  lines.push('  Coba: npx gerbang lynk simulate --email anda@example.com', '');
  return `${lines.join('\n')}\n`;
}

export async function migrate(args: string[]): Promise<void> {
  parseArgs({ args, options: {}, strict: true });
  const config = configFromEnvironment();
  await withDatabase(config, async () => {});
  process.stdout.write(`Database sudah pada versi terbaru (${config.database.kind}).\n`);
}
