import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/index.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../auth/index.js';
import { systemRuntime } from '../clock.js';
import { configFromEnvironment, UsageError, withDatabase } from './context.js';
import { complain, formatTime, printRows, say } from './output.js';

export async function tokensCreate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { name: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  if (!values.name?.trim()) throw new UsageError('--name wajib diisi (mis. --name "skrip PPOB")');
  const name = values.name;
  const config = configFromEnvironment();
  const created = await withDatabase(config, ({ db }) =>
    createApiToken(db, systemRuntime, { name, createdBy: null }, CLI_ACTOR),
  );
  if (values.json) {
    process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
    return;
  }
  say(
    `Token API #${created.id} "${created.name}" dibuat. Simpan sekarang, token ini tidak ditampilkan lagi:\n\n  ${created.token}\n\nPakai sebagai header: Authorization: Bearer <token>\n`,
  );
}

export async function tokensList(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, strict: true });
  const config = configFromEnvironment();
  const rows = await withDatabase(config, ({ db }) => listApiTokens(db));
  const shaped = rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: `${r.token_prefix}…`,
    status: r.revoked_at === null ? 'active' : 'revoked',
    created_at: formatTime(r.created_at),
    last_used_at: formatTime(r.last_used_at),
  }));
  printRows(shaped, ['id', 'name', 'prefix', 'status', 'created_at', 'last_used_at'], values.json);
}

export async function tokensRevoke(args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
  const id = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(id) || id < 1)
    throw new UsageError('pemakaian: gerbang tokens revoke <id>');
  const config = configFromEnvironment();
  const revoked = await withDatabase(config, ({ db }) => revokeApiToken(db, systemRuntime, id, CLI_ACTOR));
  if (!revoked) {
    complain(`gerbang: tidak ada token aktif #${id}\n`);
    process.exit(1);
  }
  say(`Token #${id} dicabut.\n`);
}
