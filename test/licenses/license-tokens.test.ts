import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/audit/index.js';
import type { LicenseJwk, LicenseTokenClaims } from '../../src/licenses/index.js';
import {
  KEY_REFRESH_MS,
  LicenseTokenSigner,
  revokeLicense,
  rotateSigningKey,
  verifyLicenseToken,
} from '../../src/licenses/index.js';
import { openSecret } from '../../src/secret-box.js';
import { buyLicense, licenseApi, licenseDeps } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const DAY_MS = 86_400_000;
const RULES = JSON.stringify([
  { title: 'Kasir Offline', action: 'license', maxDevices: 2, offlineGraceDays: 3 },
  { title: 'Tanpa Aturan Grace', action: 'license', maxDevices: 1 },
  { title: 'Sebulan', action: 'license', maxDevices: 1, validityDays: 30, offlineGraceDays: 90 },
]);

/** The key set as an app fetches it. */
async function publishedKeys(world: World): Promise<LicenseJwk[]> {
  const res = await world.app.inject({ url: '/.well-known/gerbang-license-keys.json' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['cache-control']).toBe('public, max-age=300');
  return res.json().keys;
}

async function activatedToken(world: World, title: string, fingerprint = 'kasir-1'): Promise<string> {
  const { key } = await buyLicense(world, title as 'Satu Perangkat');
  const res = await licenseApi(world, 'activate', { key, fingerprint });
  expect(res.statusCode).toBe(201);
  return res.json().token;
}

const claimsOf = (token: string): LicenseTokenClaims =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));

describe.each(DIALECTS)('offline license tokens (%s)', (dialect) => {
  const openWorld = worldPerTest(dialect);
  const open = (env: Record<string, string> = {}) => openWorld({ PRODUCT_RULES: RULES, ...env });

  it('activate returns a token that verifies with the published key and says what the app needs', async () => {
    const world = await open();
    const { key } = await buyLicense(world, 'Kasir Offline' as 'Satu Perangkat');
    const res = await licenseApi(world, 'activate', { key, fingerprint: 'kasir-1', name: 'Kasir' });
    const token: string = res.json().token;
    expect(token.split('.')).toHaveLength(3);
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
    const keys = await publishedKeys(world);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: header.kid });
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: keys[0]?.kid });
    const check = verifyLicenseToken(token, keys, world.runtime.now());
    expect(check.ok).toBe(true);
    const nowS = Math.floor(world.runtime.now() / 1000);
    expect(claimsOf(token)).toEqual({
      iss: 'http://127.0.0.1:3000',
      key,
      product: { uuid: expect.any(String), title: 'Kasir Offline' },
      fingerprint: 'kasir-1',
      activation_id: res.json().activation.id,
      max_devices: 2,
      expires_at: null,
      iat: nowS,
      // The product's offlineGraceDays.
      valid_until: nowS + 3 * 86_400,
      exp: nowS + 3 * 86_400,
    });
    // validate on the device gets a fresh one; without a fingerprint there is no device to bind it to.
    world.runtime.advance(DAY_MS);
    const again = await licenseApi(world, 'validate', { key, fingerprint: 'kasir-1' });
    expect(claimsOf(again.json().token).valid_until).toBe(nowS + 4 * 86_400);
    expect((await licenseApi(world, 'validate', { key })).json()).toMatchObject({ valid: true, token: null });
    expect((await licenseApi(world, 'validate', { key, fingerprint: 'lain' })).json()).toEqual({
      valid: false,
      code: 'NOT_ACTIVATED',
      message: expect.any(String),
    });
  });

  it('the grace falls back to LICENSE_TOKEN_GRACE_DAYS and never outlives the license', async () => {
    const world = await open({ LICENSE_TOKEN_GRACE_DAYS: '10' });
    const plain = claimsOf(await activatedToken(world, 'Tanpa Aturan Grace'));
    expect(plain.valid_until - plain.iat).toBe(10 * 86_400);
    const monthly = claimsOf(await activatedToken(world, 'Sebulan'));
    expect(monthly.expires_at).toBe(monthly.iat + 30 * 86_400);
    expect(monthly.valid_until).toBe(monthly.expires_at);
  });

  it('a tampered token, an expired one and one from an unknown key fail the check', async () => {
    const world = await open();
    const token = await activatedToken(world, 'Kasir Offline');
    const keys = await publishedKeys(world);
    const [head, body, signature] = token.split('.') as [string, string, string];
    const longer = { ...claimsOf(token), valid_until: claimsOf(token).valid_until + 365 * 86_400 };
    const forged = `${head}.${Buffer.from(JSON.stringify(longer)).toString('base64url')}.${signature}`;
    expect(verifyLicenseToken(forged, keys, world.runtime.now())).toEqual({ ok: false, code: 'BAD_SIGNATURE' });
    const otherDevice = { ...claimsOf(token), fingerprint: 'kasir-2' };
    const moved = `${head}.${Buffer.from(JSON.stringify(otherDevice)).toString('base64url')}.${signature}`;
    expect(verifyLicenseToken(moved, keys, world.runtime.now()).ok).toBe(false);
    const flipped = `${head}.${body}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expect(verifyLicenseToken(flipped, keys, world.runtime.now()).ok).toBe(false);
    expect(verifyLicenseToken(token, keys, world.runtime.now() + 3 * DAY_MS)).toEqual({ ok: false, code: 'EXPIRED' });
    expect(verifyLicenseToken(token, [], world.runtime.now())).toEqual({ ok: false, code: 'UNKNOWN_KEY' });
  });

  it('after a rotation old tokens verify until their window ends, then the old key is gone', async () => {
    const world = await open();
    const old = await activatedToken(world, 'Kasir Offline');
    const oldKid = (await publishedKeys(world))[0]?.kid;
    const secrets = { masterSecret: world.config.cookieSecret, defaultGraceDays: world.config.licenseTokens.graceDays };
    const rotated = await rotateSigningKey(world.database.db, secrets, {
      now: world.runtime.now(),
      actor: CLI_ACTOR,
      reason: 'operator',
    });
    // This instance loads the new key after its minute of caching (another instance would too).
    world.runtime.advance(KEY_REFRESH_MS);
    const fresh = await activatedToken(world, 'Kasir Offline', 'kasir-9');
    const freshAt = world.runtime.now();
    expect(JSON.parse(Buffer.from(fresh.split('.')[0] ?? '', 'base64url').toString()).kid).toBe(rotated.kid);
    world.runtime.advance(11_000); // past the key set's 10 s cache
    const both = await publishedKeys(world);
    expect(both.map((k) => k.kid)).toEqual([rotated.kid, oldKid]);
    expect(verifyLicenseToken(old, both, world.runtime.now()).ok).toBe(true);
    // The window: the longest grace of any license (7 days by default here) plus the refresh minute.
    const retired = await world.database.db
      .selectFrom('license_signing_keys')
      .select('published_until')
      .where('kid', '=', oldKid ?? '')
      .executeTakeFirstOrThrow();
    expect(Number(retired.published_until)).toBe(rotated.created_at + 7 * DAY_MS + KEY_REFRESH_MS);
    world.runtime.current = Number(retired.published_until);
    const after = await publishedKeys(world);
    expect(after.map((k) => k.kid)).toEqual([rotated.kid]);
    expect(verifyLicenseToken(old, after, world.runtime.now()).ok).toBe(false);
    // The new key stays: its token checks out (at a time it is still within its own grace).
    expect(verifyLicenseToken(fresh, after, freshAt).ok).toBe(true);
  });

  it('rotating with --revoke-previous unpublishes the old key at once', async () => {
    const world = await open();
    const old = await activatedToken(world, 'Kasir Offline');
    const secrets = { masterSecret: world.config.cookieSecret, defaultGraceDays: 7 };
    await rotateSigningKey(world.database.db, secrets, {
      now: world.runtime.now(),
      actor: CLI_ACTOR,
      reason: 'operator',
      revokePrevious: true,
    });
    world.runtime.advance(11_000);
    expect(verifyLicenseToken(old, await publishedKeys(world), world.runtime.now())).toEqual({
      ok: false,
      code: 'UNKNOWN_KEY',
    });
    const audit = await world.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'license_key.rotate')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('the private key is stored sealed; under another COOKIE_SECRET a new key takes over and old tokens still verify', async () => {
    const world = await open();
    const old = await activatedToken(world, 'Kasir Offline');
    const [row] = await world.database.db.selectFrom('license_signing_keys').selectAll().execute();
    expect(row?.private_key).toMatch(/^v1\./);
    expect(openSecret(row?.private_key ?? '', 'another-cookie-secret-0123456789abcdef', 'license-signing-key')).toBe(
      null,
    );
    const elsewhere = new LicenseTokenSigner({
      db: world.database.db,
      now: world.runtime.now,
      log: pino({ level: 'silent' }),
      secrets: { masterSecret: 'another-cookie-secret-0123456789abcdef', defaultGraceDays: 7 },
    });
    const keys = await elsewhere.publishedKeys();
    expect(keys).toHaveLength(2);
    expect(verifyLicenseToken(old, keys, world.runtime.now()).ok).toBe(true);
    const rotations = await world.database.db.selectFrom('audit_log').select('details').execute();
    expect(rotations.map((r) => JSON.parse(r.details).reason)).toContain('unreadable');
  });

  it('a revoked license gets no token', async () => {
    const world = await open();
    const { id, key } = await buyLicense(world, 'Kasir Offline' as 'Satu Perangkat');
    await licenseApi(world, 'activate', { key, fingerprint: 'kasir-1' });
    await revokeLicense(licenseDeps(world), id, CLI_ACTOR);
    expect((await licenseApi(world, 'validate', { key, fingerprint: 'kasir-1' })).json()).toMatchObject({
      valid: false,
      code: 'LICENSE_REVOKED',
    });
  });

  it('LICENSE_TOKENS=false: activation answers without a token', async () => {
    const off = await open({ LICENSE_TOKENS: 'false' });
    const bought = await buyLicense(off, 'Kasir Offline' as 'Satu Perangkat');
    const res = await licenseApi(off, 'activate', { key: bought.key, fingerprint: 'kasir-1' });
    expect(res.json()).toMatchObject({ activated: true, token: null });
  });

  it('keys are accepted in any letter case with surrounding spaces, and count as one key for the limit', async () => {
    const world = await open({ LICENSE_API_MAX_PER_KEY: '2' });
    const { key } = await buyLicense(world, 'Kasir Offline' as 'Satu Perangkat');
    const typed = `  ${key.toLowerCase()} \t`;
    const res = await licenseApi(world, 'activate', { key: typed, fingerprint: 'kasir-1' });
    expect(res.statusCode).toBe(201);
    expect(claimsOf(res.json().token).key).toBe(key);
    expect((await licenseApi(world, 'validate', { key: key.toLowerCase(), fingerprint: 'kasir-1' })).json().valid).toBe(
      true,
    );
    expect((await licenseApi(world, 'validate', { key: ` ${key} ` })).statusCode).toBe(429);
  });
});
