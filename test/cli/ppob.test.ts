import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGerbang, Workspace } from '../helpers/gerbang-process.js';
import { closedPort, createWorkspace, jsonRows } from '../helpers/gerbang-process.js';
import { FakeHesda, HESDA_API_KEY, HESDA_SECRET } from '../helpers/hesda.js';

describe('gerbang ppob order | list', () => {
  let ws: Workspace;
  let hesda: FakeHesda;
  let server: RunningGerbang;
  let env: Record<string, string>;
  beforeAll(async () => {
    hesda = await FakeHesda.start();
    ws = await createWorkspace();
    server = await ws.serve({ HESDA_SECRET_KEY: HESDA_SECRET });
    // The CLI sends the running server's address as callback_url, so Hesda's callbacks reach it.
    env = { HESDA_API_URL: hesda.url, HESDA_API_KEY, HESDA_SECRET_KEY: HESDA_SECRET, PUBLIC_URL: server.url };
  });
  afterAll(async () => {
    await ws?.close();
    await hesda?.close();
  });

  it('orders with --json, the callback reaches the server, and list shows it with its sn', async () => {
    const placed = await ws.run(['ppob', 'order', '--product', 'XXL5', '--customer', '0895123456789', '--json'], env);
    expect(placed.stderr).toBe('');
    expect(placed.code).toBe(0);
    const answer = JSON.parse(placed.stdout) as { outcome: string; transaction: { id: number; status: string } };
    expect(answer).toMatchObject({ outcome: 'accepted', transaction: { status: 'pending' } });
    expect(hesda.lastOrder().body.callback_url).toBe(`${server.url}/webhooks/ppob`);

    const callback = await hesda.callback(hesda.lastOrder(), {
      status: 'success',
      sn: 'CLI-SN-1',
      message: 'Transaksi Berhasil',
    });
    expect(callback.status).toBe(200);
    const listed = jsonRows(await ws.run(['ppob', 'list', '--json'], env));
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id: answer.transaction.id,
      status: 'success',
      sn: 'CLI-SN-1',
      product_code: 'XXL5',
    });
    expect(jsonRows(await ws.run(['ppob', 'list', '--status', 'pending', '--json'], env))).toEqual([]);
    const events = jsonRows(await ws.run(['events', 'list', '--provider', 'hesda', '--json'], env));
    expect(events[0]).toMatchObject({ provider: 'hesda', outcome: 'processed', event_type: 'transaction.update' });
    const table = await ws.run(['ppob', 'list'], env);
    expect(table.stdout).toMatch(/^ID\s+STATUS\s+PRODUCT_CODE/);
    expect(table.stdout).toContain('CLI-SN-1');
  });

  it('Hesda unreachable: exit 1, the order is kept as unknown and the operator is told not to re-order', async () => {
    const down = { ...env, HESDA_API_URL: `http://127.0.0.1:${await closedPort()}` };
    const result = await ws.run(
      ['ppob', 'order', '--product', 'XXL10', '--customer', '0811111111', '--key', 'cli-key-0001'],
      down,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('JANGAN pesan ulang');
    expect(result.stdout).toMatch(/Transaksi #\d+ · unknown/);
    // The same key again (the operator retried): nothing is sent, the stored order is shown.
    const again = await ws.run(
      ['ppob', 'order', '--product', 'XXL10', '--customer', '0811111111', '--key', 'cli-key-0001', '--json'],
      env,
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'duplicate', transaction: { status: 'unknown' } });
    expect(hesda.orders.filter((o) => o.body.product_code === 'XXL10')).toHaveLength(0);
    const [unknown] = jsonRows(await ws.run(['ppob', 'list', '--status', 'unknown', '--json'], env));
    expect(unknown?.last_error).toMatch(/^network: /);

    // Reconciliation: the operator checked the dashboard; Hesda never got it.
    const resolved = await ws.run(['ppob', 'resolve', String(unknown?.id), '--not-ordered', '--json'], env);
    expect(resolved.code).toBe(0);
    expect(JSON.parse(resolved.stdout)).toMatchObject({ id: unknown?.id, status: 'failed' });
    const twice = await ws.run(['ppob', 'resolve', String(unknown?.id), '--not-ordered'], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('tidak berstatus unknown');
  });

  it('bad usage exits 2 before anything is sent; an unknown member or no Hesda URL exit 1', async () => {
    const before = hesda.orders.length;
    for (const args of [
      ['ppob', 'order', '--product', 'XXL5'],
      ['ppob', 'order', '--product', 'X X', '--customer', '0895'],
      ['ppob', 'list', '--status', 'done'],
      ['ppob', 'resolve', '1'],
      ['ppob', 'resolve', '1', '--not-ordered', '--transaction-id', 'X'],
    ]) {
      const result = await ws.run(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('gerbang --help');
    }
    const member = await ws.run(
      ['ppob', 'order', '--product', 'XXL5', '--customer', '0895123456789', '--member', 'nobody@example.com'],
      env,
    );
    expect(member.code).toBe(1);
    expect(member.stdout).toContain('Tidak ada member dengan email itu');
    const off = await ws.run(['ppob', 'order', '--product', 'XXL5', '--customer', '0895123456789'], {
      ...env,
      HESDA_API_URL: undefined,
    });
    expect(off.code).toBe(1);
    expect(off.stdout).toContain('HESDA_API_URL');
    expect(hesda.orders.length).toBe(before);
  });
});
