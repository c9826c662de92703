import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

const base = { LYNK_MERCHANT_KEY: 'k'.repeat(32), COOKIE_SECRET: 'c'.repeat(40), DATA_DIR: '/tmp/gerbang-log-format' };
const formatOf = (env: Record<string, string>) => {
  const loaded = loadConfig({ ...base, ...env });
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  return loaded.config.logFormat;
};

describe('LOG_FORMAT', () => {
  it('auto is JSON in production and wherever the output is not a terminal (tests, journald)', () => {
    expect(formatOf({ NODE_ENV: 'production', PUBLIC_URL: 'https://toko.example', MAIL_TRANSPORT: 'none' })).toBe(
      'json',
    );
    expect(formatOf({ NODE_ENV: 'development' })).toBe(process.stdout.isTTY ? 'pretty' : 'json');
  });
  it('json and pretty are taken as asked; anything else is a config error', () => {
    expect(formatOf({ LOG_FORMAT: 'pretty' })).toBe('pretty');
    expect(formatOf({ NODE_ENV: 'development', LOG_FORMAT: 'json' })).toBe('json');
    expect(loadConfig({ ...base, LOG_FORMAT: 'xml' }).ok).toBe(false);
  });
  it('pretty writes readable lines through pino-pretty, not JSON', () => {
    const script = [
      "import { createLogger } from './src/logger.ts';",
      "createLogger('info', undefined, 'pretty').info({ mailId: 3 }, 'mail sent');",
      'setTimeout(() => {}, 300);',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: mail sent\n\s+mailId: 3\n/);
  });
});
