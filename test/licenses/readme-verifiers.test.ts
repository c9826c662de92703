import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyLicense, licenseApi } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

const DAY_MS = 86_400_000;

/** The code block right after `<!-- verifier: NAME -->` in the README, as a seller would copy it. */
function readmeVerifier(name: 'node' | 'python'): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const match = new RegExp(`<!-- verifier: ${name} -->\\n\`\`\`[a-z]+\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!match?.[1]) throw new Error(`README has no ${name} verifier`);
  return match[1];
}

/**
 * The README's verifiers, copied out and run as programs against real tokens from the API and the
 * key set from the well-known URL: a valid token passes; a tampered one, one for another device,
 * an expired one and one whose key was rotated out of the set fail. Python needs python3 with
 * `cryptography` (Debian's python3-cryptography; .ci/run installs it).
 */
describe('the README’s offline verifiers, run on real tokens', () => {
  let world: World;
  let dir: string;
  let keysFile: string;
  let token: string;
  let expired: string;

  beforeAll(async () => {
    world = await createWorld('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'gerbang-verifier-'));
    writeFileSync(join(dir, 'verify-license.mjs'), readmeVerifier('node'));
    writeFileSync(join(dir, 'verify_license.py'), readmeVerifier('python'));
    // The programs read the machine's clock: the server's must agree.
    world.runtime.current = Date.now() - 8 * DAY_MS;
    const old = await buyLicense(world, 'Satu Perangkat');
    expired = (await licenseApi(world, 'activate', { key: old.key, fingerprint: 'mesin-1' })).json().token;
    world.runtime.current = Date.now();
    const { key } = await buyLicense(world, 'Satu Perangkat');
    token = (await licenseApi(world, 'activate', { key, fingerprint: 'mesin-1' })).json().token;
    keysFile = join(dir, 'keys.json');
    writeFileSync(keysFile, (await world.app.inject({ url: '/.well-known/gerbang-license-keys.json' })).body);
  });
  afterAll(async () => {
    await world?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const programs = [
    ['node', process.execPath, 'verify-license.mjs'],
    ['python', 'python3', 'verify_license.py'],
  ] as const;

  it.each(programs)('%s: the verifier stays within 20 lines', (name) => {
    expect(readmeVerifier(name).split('\n').length).toBeLessThanOrEqual(20);
  });

  it.each(programs)('%s: a real token passes; tampered, other device, expired and rotated-out fail', (_, cmd, file) => {
    const run = (t: string, fingerprint = 'mesin-1', keys = keysFile) =>
      spawnSync(cmd, [join(dir, file), keys, t, fingerprint], { encoding: 'utf8', timeout: 20_000 });
    const ok = run(token);
    expect(ok.stderr).toBe('');
    expect([ok.status, ok.stdout.trim()]).toEqual([0, expect.stringMatching(/^VALID KEI-[0-9A-Z-]{19} /)]);

    const [head, body, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const longer = Buffer.from(JSON.stringify({ ...claims, valid_until: claims.valid_until + 999_999 })).toString(
      'base64url',
    );
    const refused = [run(`${head}.${longer}.${signature}`), run(token, 'mesin-lain'), run(expired)];
    const emptySet = join(dir, 'rotated.json');
    writeFileSync(emptySet, JSON.stringify({ keys: [] }));
    refused.push(run(token, 'mesin-1', emptySet));
    for (const r of refused) expect([r.status, r.stdout.trim()]).toEqual([1, 'INVALID']);
  });
});
