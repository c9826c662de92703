import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGerbang, Workspace } from '../helpers/gerbang-process.js';
import { createWorkspace, jsonRows } from '../helpers/gerbang-process.js';

describe('gerbang licenses show|reset|revoke', () => {
  let ws: Workspace;
  let server: RunningGerbang;
  let key: string;
  const api = async (action: string, body: object) => {
    const res = await fetch(`${server.url}/api/licenses/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const show = async () => JSON.parse((await ws.run(['licenses', 'show', key, '--json'])).stdout);

  beforeAll(async () => {
    ws = await createWorkspace();
    server = await ws.serve({
      PRODUCT_RULES: JSON.stringify([{ title: 'Kelas Ekspor', action: 'license', maxDevices: 2 }]),
    });
    const sent = await ws.run(['lynk', 'simulate', '--url', `${server.url}/webhook/lynk`, '--product', 'Kelas Ekspor']);
    expect(sent.code, sent.stderr).toBe(0);
    const [license] = jsonRows(await ws.run(['licenses', 'list', '--json']));
    key = String(license?.license_key);
    for (const fingerprint of ['pc-1', 'pc-2'])
      expect((await api('activate', { key, fingerprint, name: fingerprint })).status).toBe(201);
  });
  afterAll(async () => {
    await ws?.close();
  });

  it('show --json prints the license with its activations (never a fingerprint)', async () => {
    const shown = await show();
    expect(shown).toMatchObject({ license_key: key, status: 'active', max_devices: 2, on_limit: 'refuse' });
    expect(shown.activations.map((a: { name: string }) => a.name).sort()).toEqual(['pc-1', 'pc-2']);
    expect(JSON.stringify(shown)).not.toContain('fingerprint');
    const text = await ws.run(['licenses', 'show', key]);
    expect(text.stdout).toContain('Perangkat: 2 / 2 (bila penuh: tolak)');
  });

  it('reset releases every device; revoke ends the license; both say what they did', async () => {
    const reset = await ws.run(['licenses', 'reset', key]);
    expect(reset).toMatchObject({ code: 0, stdout: `Aktivasi lisensi ${key} direset: 2 perangkat dilepas.\n` });
    expect((await show()).activations.every((a: { status: string }) => a.status === 'revoked (reset)')).toBe(true);
    expect((await api('activate', { key, fingerprint: 'pc-3' })).status).toBe(201);

    expect(await ws.run(['licenses', 'revoke', key, '--reason', 'refund'])).toMatchObject({ code: 0 });
    expect((await api('validate', { key, fingerprint: 'pc-3' })).body).toMatchObject({
      valid: false,
      code: 'LICENSE_REVOKED',
    });
    expect(await show()).toMatchObject({ status: 'revoked', revoked_reason: 'refund' });
    const again = await ws.run(['licenses', 'revoke', key]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('sudah dicabut');
  });

  it('an unknown key exits 1; a missing key is a usage error (exit 2)', async () => {
    const unknown = await ws.run(['licenses', 'show', 'KEI-0000-0000-0000-0000']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'gerbang: lisensi KEI-0000-0000-0000-0000 tidak ditemukan\n' });
    expect((await ws.run(['licenses', 'reset'])).code).toBe(2);
  });
});
