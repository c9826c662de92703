import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGerbang, Workspace } from '../helpers/gerbang-process.js';
import { closedPort, createWorkspace, jsonRows } from '../helpers/gerbang-process.js';
import { DIALECTS } from '../helpers/world.js';

const STACK_LINE = /^\s+at /m;

describe.each(DIALECTS)('gerbang migrate (%s)', (dialect) => {
  const workspaces: Workspace[] = [];
  const open = async () => {
    const ws = await createWorkspace(dialect);
    workspaces.push(ws);
    return ws;
  };
  afterEach(async () => {
    await Promise.all(workspaces.splice(0).map((ws) => ws.close()));
  });

  // One PostgreSQL database may hold two Gerbang schemas (staging beside production, or parallel
  // test runs): each must migrate its own schema, not mistake the other one's tables for its own.
  it('on a fresh database exits 0 and is idempotent, also beside another migrated database', async () => {
    const [other, fresh] = await Promise.all([open(), open()]);
    expect(await other.run(['migrate', '--create'])).toMatchObject({ code: 0, stderr: '' });
    const first = await fresh.run(['migrate', '--create']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`^Database sudah pada versi terbaru \\(${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} `),
    );
    if (dialect === 'sqlite') expect(existsSync(join(fresh.dataDir, 'gerbang.db'))).toBe(true);
    expect(await fresh.run(['migrate'])).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('gerbang lynk simulate and serve when something is wrong', () => {
  let ws: Workspace;
  let server: RunningGerbang;
  beforeAll(async () => {
    ws = await createWorkspace();
    server = await ws.serve({ LYNK_MERCHANT_KEY: 'merchant-key-of-the-server' });
  });
  afterAll(async () => {
    await ws?.close();
  });

  it('nothing listening at --url: exit 1 with a clear Indonesian message, no stack trace', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/webhook/lynk`;
    const result = await ws.run(['lynk', 'simulate', '--url', url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`Tidak bisa menghubungi ${url}: connect ECONNREFUSED`);
    expect(result.stderr).toContain('Apakah server sudah berjalan (npm start)?');
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it("--url may be the server's address (as the start-up banner prints it): the Lynk path is added", async () => {
    const result = await ws.run(['lynk', 'simulate', '--url', server.url, '--json'], {
      LYNK_MERCHANT_KEY: 'merchant-key-of-the-server',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 200, body: { outcome: 'processed' } });
    const wrong = await ws.run(['lynk', 'simulate', '--url', '127.0.0.1:3000']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('--url harus alamat');
    expect(wrong.stderr).not.toMatch(STACK_LINE);
  });

  it('signed with another merchant key: the server answers 401, simulate exits 1 and the delivery is kept as rejected', async () => {
    const result = await ws.run(['lynk', 'simulate', '--url', `${server.url}/webhook/lynk`], {
      LYNK_MERCHANT_KEY: 'some-other-merchant-key',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/→ 401 .*INVALID_SIGNATURE/);
    expect(result.stdout).not.toContain('diterima');
    const rejected = jsonRows(await ws.run(['events', 'list', '--outcome', 'rejected', '--json']));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ error_code: 'INVALID_SIGNATURE', signature_valid: false });
  });

  it('a second refusal from the same IP in the same minute is counted on that row, and the list says so', async () => {
    const wrongKey = { LYNK_MERCHANT_KEY: 'some-other-merchant-key' };
    const before = jsonRows(await ws.run(['events', 'list', '--outcome', 'rejected', '--json']));
    const previous = before[0]?.deliveries as number;
    expect((await ws.run(['lynk', 'simulate', '--url', `${server.url}/webhook/lynk`], wrongKey)).code).toBe(1);
    const after = jsonRows(await ws.run(['events', 'list', '--outcome', 'rejected', '--json']));
    // The same minute unless the clock just turned: then the new minute has its own row.
    const counted = after.length === before.length ? after[0] : after.find((r) => r.id !== before[0]?.id);
    expect(counted).toMatchObject({ error_code: 'INVALID_SIGNATURE', remote_ip: '127.0.0.1' });
    expect(counted?.deliveries).toBe(after.length === before.length ? previous + 1 : 1);
    const table = await ws.run(['events', 'list', '--outcome', 'rejected']);
    expect(table.stdout).toMatch(/INVALID_SIGNATURE dari 127\.0\.0\.1( s\/d \d\d:\d\d:\d\d WIB)?\n/);
    const shown = await ws.run(['events', 'show', String(counted?.id)]);
    expect(shown.stdout).toContain('ditolak dalam menit ini dari 127.0.0.1');
  });

  it('serve on a port already in use: exit 1 naming the port, no stack trace', async () => {
    const port = new URL(server.url).port;
    const result = await ws.run(['serve'], { PORT: port });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('Gerbang berjalan');
    expect(result.stderr).toContain(`gerbang: port ${port} di 127.0.0.1 sudah dipakai proses lain`);
    expect(result.stderr).not.toMatch(STACK_LINE);
    // The first server is untouched.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('gerbang tokens', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace();
    expect((await ws.run(['migrate', '--create'])).code).toBe(0);
  });
  afterAll(async () => {
    await ws?.close();
  });

  it('create shows the token once, list never shows it, revoke ends it; bad usage exits 2', async () => {
    const created = await ws.run(['tokens', 'create', '--name', 'skrip PPOB', '--json']);
    expect(created.code).toBe(0);
    const token = JSON.parse(created.stdout) as { id: number; token: string };
    expect(token.token).toMatch(/^gbt_/);
    const listed = await ws.run(['tokens', 'list', '--json']);
    expect(listed.stdout).not.toContain(token.token);
    expect(jsonRows(listed)).toEqual([expect.objectContaining({ id: token.id, name: 'skrip PPOB', status: 'active' })]);
    expect(await ws.run(['tokens', 'revoke', String(token.id)])).toMatchObject({ code: 0 });
    expect(jsonRows(await ws.run(['tokens', 'list', '--json']))[0]).toMatchObject({ status: 'revoked' });
    expect((await ws.run(['tokens', 'revoke', String(token.id)])).code).toBe(1);
    expect((await ws.run(['tokens', 'create'])).code).toBe(2);
  });
});
