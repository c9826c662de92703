import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LicenseJwk } from '../../src/licenses/index.js';
import { verifyLicenseToken } from '../../src/licenses/index.js';
import type { RunningGerbang, Workspace } from '../helpers/gerbang-process.js';
import { createWorkspace, jsonRows } from '../helpers/gerbang-process.js';

interface ShownKey {
  kid: string;
  status: string;
  jwk: LicenseJwk;
  pem: string;
}

describe('gerbang keys show|rotate', () => {
  let ws: Workspace;
  let server: RunningGerbang;
  const show = async (): Promise<{ jwks_url: string; keys: ShownKey[] }> => {
    const run = await ws.run(['keys', 'show', '--json']);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout);
  };

  beforeAll(async () => {
    ws = await createWorkspace();
    server = await ws.serve();
  });
  afterAll(async () => {
    await ws?.close();
  });

  it('show prints the public key the server publishes and signs with, never the private one', async () => {
    const shown = await show();
    expect(shown.jwks_url).toMatch(/\/\.well-known\/gerbang-license-keys\.json$/);
    expect(shown.keys).toHaveLength(1);
    expect(shown.keys[0]).toMatchObject({ status: 'aktif', jwk: { kty: 'OKP', crv: 'Ed25519' } });
    expect(shown.keys[0]?.pem).toContain('-----BEGIN PUBLIC KEY-----');
    const published = (await (await fetch(`${server.url}/.well-known/gerbang-license-keys.json`)).json()) as {
      keys: unknown[];
    };
    expect(published.keys).toEqual([shown.keys[0]?.jwk]);
    const text = await ws.run(['keys', 'show']);
    expect(text.stdout).toContain('Kunci aktif (PEM):');
    for (const output of [JSON.stringify(shown), text.stdout]) {
      expect(output).not.toMatch(/"d"\s*:/);
      expect(output).not.toContain('PRIVATE KEY');
    }

    // A real token from the running server verifies with the printed key.
    expect((await ws.run(['lynk', 'simulate', '--url', `${server.url}/webhook/lynk`])).code).toBe(0);
    const [license] = jsonRows(await ws.run(['licenses', 'list', '--json']));
    const res = await fetch(`${server.url}/api/licenses/activate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: String(license?.license_key).toLowerCase(), fingerprint: 'pc-1' }),
    });
    const { token } = (await res.json()) as { token: string };
    expect(verifyLicenseToken(token, [shown.keys[0]?.jwk as LicenseJwk], Date.now()).ok).toBe(true);
  });

  it('rotate makes a new signing key and keeps the old one published; --revoke-previous unpublishes it', async () => {
    const before = (await show()).keys[0]?.kid;
    const rotated = await ws.run(['keys', 'rotate']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain(`Kunci lama ${before} tetap dipublikasikan sampai`);
    const after = await show();
    expect(after.keys.map((k) => k.status)).toEqual(['aktif', 'pensiun, masih dipublikasikan']);
    expect(after.keys[1]?.kid).toBe(before);
    const revoked = await ws.run(['keys', 'rotate', '--revoke-previous']);
    expect(revoked.stdout).toContain('Kunci lama tidak dipublikasikan lagi');
    expect((await show()).keys.map((k) => k.status)).toEqual([
      'aktif',
      'pensiun, tidak dipublikasikan',
      'pensiun, tidak dipublikasikan',
    ]);
  });
});
