import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../helpers/gerbang-process.js';
import { createWorkspace, jsonRows, runGerbang } from '../helpers/gerbang-process.js';

/**
 * An operator runs commands by hand beside the systemd unit. Without the unit's environment a
 * command used to migrate a fresh ./data/gerbang.db and report an empty shop; now it names the
 * database it would use and refuses to create one, and `--env-file` reads the unit's own file.
 */
describe('gerbang --env-file and the database a command uses', () => {
  let ws: Workspace | undefined;
  afterEach(async () => {
    await ws?.close();
    ws = undefined;
  });

  it('a command without the shop environment refuses to create a database and says which one it looked for', async () => {
    ws = await createWorkspace('sqlite');
    const elsewhere = join(ws.dir, 'rumah-operator');
    mkdirSync(elsewhere);
    const env = { PATH: ws.env.PATH ?? '', NODE_ENV: 'test' };
    const result = await runGerbang(['members', 'list'], { env, cwd: elsewhere });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`database belum ada: SQLite ${join(elsewhere, 'data', 'gerbang.db')}`);
    expect(result.stderr).toContain('--env-file');
    expect(existsSync(join(elsewhere, 'data', 'gerbang.db'))).toBe(false);
    expect((await runGerbang(['migrate'], { env, cwd: elsewhere })).code).toBe(2);
  });

  it('--env-file reads the unit file (values with <> and spaces, no quotes) instead of ./.env', async () => {
    ws = await createWorkspace('sqlite');
    const file = join(ws.dir, 'gerbang.env');
    writeFileSync(
      file,
      [
        '# the unit file, as systemd reads it',
        `DATA_DIR=${ws.dataDir}`,
        'MAIL_FROM=Toko Contoh <no-reply@toko.example>',
        'LOG_LEVEL=warn',
        '',
      ].join('\n'),
    );
    // A stray .env in the folder the operator stands in points elsewhere: it is not read.
    writeFileSync(join(ws.dir, '.env'), `DATA_DIR=${join(ws.dir, 'salah')}\n`);
    const env = { PATH: ws.env.PATH ?? '', NODE_ENV: 'test' };
    const created = await runGerbang(['--env-file', file, 'migrate', '--create'], { env, cwd: ws.dir });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`SQLite ${join(ws.dataDir, 'gerbang.db')}`);
    expect(jsonRows(await runGerbang(['--env-file', file, 'members', 'list', '--json'], { env, cwd: ws.dir }))).toEqual(
      [],
    );
    expect(existsSync(join(ws.dir, 'salah'))).toBe(false);
    const broken = join(ws.dir, 'rusak.env');
    writeFileSync(broken, 'A=1\nexport B=2\n');
    const refused = await runGerbang(['--env-file', broken, 'members', 'list'], { env, cwd: ws.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('baris 2');
  });
});
