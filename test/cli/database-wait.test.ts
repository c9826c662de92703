import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../helpers/gerbang-process.js';
import { createWorkspace, waitFor } from '../helpers/gerbang-process.js';
import { TEST_DATABASE_URL } from '../helpers/postgres.js';
import type { TcpProxy } from '../resilience/tcp-proxy.js';
import { startTcpProxy, throughProxy } from '../resilience/tcp-proxy.js';

/**
 * After a reboot PostgreSQL may come up after Gerbang. `serve` waits for it with back-off (saying
 * why) for DB_CONNECT_TIMEOUT_SECONDS, then exits 1, which systemd restarts; a DATABASE_URL that
 * PostgreSQL refuses is a configuration error, exit 2, which the unit does not restart.
 */
describe('gerbang serve before the database is up', () => {
  let ws: Workspace | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await ws?.close();
    await proxy?.close();
    ws = undefined;
    proxy = undefined;
  });

  const startProxy = async () => {
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(TEST_DATABASE_URL).port || 5432) });
    return proxy;
  };

  it('waits, logging why, and starts once PostgreSQL answers', async () => {
    ws = await createWorkspace('postgres');
    const p = await startProxy();
    p.cut('refuse');
    const serving = ws.serve({ DATABASE_URL: throughProxy(ws.env.DATABASE_URL ?? '', p) });
    // Restored only after the server has tried at least twice (a start slowed by a busy machine
    // must not find the database up at its first try).
    await waitFor(async () => (p.accepted >= 2 ? true : undefined), 'two refused connection attempts', 20_000, 50);
    p.restore();
    const server = await serving;
    const { stdout, stderr } = server.output();
    expect(stdout, `${stdout}\n${stderr}`).toContain('database not reachable yet; retrying');
    await waitFor(async () => ((await fetch(`${server.url}/readyz`)).status === 200 ? true : undefined), '/readyz 200');
  }, 40_000);

  it('gives up after DB_CONNECT_TIMEOUT_SECONDS with exit 1 (systemd restarts it)', async () => {
    ws = await createWorkspace('postgres');
    const p = await startProxy();
    p.cut('refuse');
    const result = await ws.run(['serve'], {
      DATABASE_URL: throughProxy(ws.env.DATABASE_URL ?? '', p),
      DB_CONNECT_TIMEOUT_SECONDS: '2',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('DB_CONNECT_TIMEOUT_SECONDS');
    expect(result.stdout).not.toContain('Gerbang berjalan');
  }, 40_000);

  it('a database PostgreSQL does not have is a configuration error: exit 2 at once, naming DATABASE_URL', async () => {
    ws = await createWorkspace('sqlite');
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = '/gerbang_tidak_ada';
    const started = Date.now();
    const result = await ws.run(['serve'], { DATABASE_URL: url.toString() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DATABASE_URL: PostgreSQL menolak koneksi \(3D000/);
    expect(Date.now() - started).toBeLessThan(15_000);
    const unit = readFileSync(new URL('../../deploy/gerbang@.service', import.meta.url), 'utf8');
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
  });
});
