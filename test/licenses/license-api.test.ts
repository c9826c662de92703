import { describe, expect, it } from 'vitest';
import { CLI_ACTOR, listAudit } from '../../src/audit/index.js';
import { revokeLicense } from '../../src/licenses/index.js';
import { buyLicense, LICENSE_RULES, licenseApi, licenseDeps, liveActivations } from '../helpers/license-world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const DAY_MS = 86_400_000;

describe.each(DIALECTS)('public license API (%s)', (dialect) => {
  const openWorld = worldPerTest(dialect);
  const open = (env: Record<string, string> = {}) => openWorld({ PRODUCT_RULES: LICENSE_RULES, ...env });
  const deps = licenseDeps;

  it('activates within the limit (201), is idempotent per fingerprint (200), and validates on that device', async () => {
    const world = await open();
    const { key } = await buyLicense(world, 'Tiga Perangkat');
    const first = await licenseApi(world, 'activate', { key, fingerprint: 'laptop-1', name: 'Laptop kantor' });
    expect(first.statusCode).toBe(201);
    const activation = first.json().activation;
    expect(activation).toMatchObject({
      name: 'Laptop kantor',
      created_at: new Date(world.runtime.now()).toISOString(),
    });
    expect(first.json()).toMatchObject({ activated: true, created: true, replaced_activation_ids: [] });

    const again = await licenseApi(world, 'activate', { key, fingerprint: 'laptop-1' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: false, activation: { id: activation.id } });

    const onDevice = await licenseApi(world, 'validate', { key, fingerprint: 'laptop-1' });
    expect(onDevice.statusCode).toBe(200);
    expect(onDevice.json()).toMatchObject({
      valid: true,
      code: 'VALID',
      license: { max_devices: 3, activations_used: 1, expires_at: null },
      activation: { id: activation.id },
    });
    // Without a fingerprint only the license itself is checked.
    const keyOnly = await licenseApi(world, 'validate', { key: `  ${key} ` });
    expect(keyOnly.json()).toMatchObject({ valid: true, activation: null });
  });

  it('one device too many is refused with 409 and the devices in use, never their fingerprints', async () => {
    const world = await open();
    const { id, key } = await buyLicense(world, 'Satu Perangkat');
    expect((await licenseApi(world, 'activate', { key, fingerprint: 'secret-fp-A', name: 'PC A' })).statusCode).toBe(
      201,
    );
    world.runtime.advance(1000);
    const second = await licenseApi(world, 'activate', { key, fingerprint: 'secret-fp-B', name: 'PC B' });
    expect(second.statusCode).toBe(409);
    const error = second.json().error;
    expect(error.code).toBe('ACTIVATION_LIMIT');
    expect(error.message).toContain('Batas perangkat');
    expect(error.max_devices).toBe(1);
    expect(error.activations).toEqual([
      expect.objectContaining({ id: expect.any(Number), name: 'PC A', created_at: expect.any(String) }),
    ]);
    const [stored] = await liveActivations(world, id);
    expect(second.body).not.toContain('secret-fp-A');
    expect(second.body).not.toContain(stored?.fingerprint_hash);
    expect(await liveActivations(world, id)).toHaveLength(1);
    expect((await licenseApi(world, 'validate', { key, fingerprint: 'secret-fp-B' })).json().code).toBe(
      'NOT_ACTIVATED',
    );
  });

  it('with the takeover policy the new device gets the slot and the oldest activation ends', async () => {
    const world = await open();
    const { id, key } = await buyLicense(world, 'Dua Ambil Alih');
    const a = (await licenseApi(world, 'activate', { key, fingerprint: 'A' })).json().activation.id;
    world.runtime.advance(1000);
    const b = (await licenseApi(world, 'activate', { key, fingerprint: 'B' })).json().activation.id;
    world.runtime.advance(1000);
    const c = await licenseApi(world, 'activate', { key, fingerprint: 'C' });
    expect(c.statusCode).toBe(201);
    expect(c.json().replaced_activation_ids).toEqual([a]);
    expect((await liveActivations(world, id)).map((r) => r.id).sort()).toEqual([b, c.json().activation.id].sort());
    expect((await licenseApi(world, 'validate', { key, fingerprint: 'A' })).json().code).toBe('NOT_ACTIVATED');
    expect((await licenseApi(world, 'validate', { key, fingerprint: 'B' })).json().valid).toBe(true);
    const ended = await world.database.db
      .selectFrom('license_activations')
      .select(['revoked_reason'])
      .where('id', '=', a)
      .executeTakeFirstOrThrow();
    expect(ended.revoked_reason).toBe('takeover');
  });

  it('a license with validity days expires: activate 403 LICENSE_EXPIRED, validate says so', async () => {
    const world = await open();
    const { key } = await buyLicense(world, 'Setahun');
    expect((await licenseApi(world, 'activate', { key, fingerprint: 'A' })).statusCode).toBe(201);
    world.runtime.advance(364 * DAY_MS);
    expect((await licenseApi(world, 'validate', { key, fingerprint: 'A' })).json()).toMatchObject({
      valid: true,
      license: { expires_at: expect.any(String) },
    });
    world.runtime.advance(DAY_MS);
    expect((await licenseApi(world, 'validate', { key, fingerprint: 'A' })).json()).toEqual({
      valid: false,
      code: 'LICENSE_EXPIRED',
      message: 'Masa berlaku lisensi ini sudah habis.',
    });
    const late = await licenseApi(world, 'activate', { key, fingerprint: 'B' });
    expect(late.statusCode).toBe(403);
    expect(late.json().error.code).toBe('LICENSE_EXPIRED');
  });

  it('a revoked license fails validation and activation; the revocation is audited', async () => {
    const world = await open();
    const { id, key } = await buyLicense(world, 'Tiga Perangkat');
    await licenseApi(world, 'activate', { key, fingerprint: 'A' });
    expect(await revokeLicense(deps(world), id, CLI_ACTOR, 'refund')).toEqual({ ok: true });
    expect(await revokeLicense(deps(world), id, CLI_ACTOR)).toEqual({ ok: false, code: 'ALREADY_REVOKED' });
    expect((await licenseApi(world, 'validate', { key, fingerprint: 'A' })).json()).toMatchObject({
      valid: false,
      code: 'LICENSE_REVOKED',
    });
    const again = await licenseApi(world, 'activate', { key, fingerprint: 'B' });
    expect(again.statusCode).toBe(403);
    expect(again.json().error.code).toBe('LICENSE_REVOKED');
    expect(await liveActivations(world, id)).toHaveLength(0);
    const [entry] = await listAudit(world.database.db, { action: 'license.revoke' });
    expect(entry).toMatchObject({ actor_type: 'cli', target_type: 'license', target_id: String(id) });
    expect(JSON.parse(entry?.details ?? '{}')).toEqual({ reason: 'refund', activations: 1 });
  });

  it('an unknown key and a wrong fingerprint answer with the same status and shape', async () => {
    const world = await open();
    const { key } = await buyLicense(world, 'Satu Perangkat');
    await licenseApi(world, 'activate', { key, fingerprint: 'A' });
    const unknown = await licenseApi(world, 'validate', { key: 'KEI-0000-0000-0000-0000', fingerprint: 'A' });
    const wrong = await licenseApi(world, 'validate', { key, fingerprint: 'Z' });
    expect(unknown.statusCode).toBe(wrong.statusCode);
    expect(Object.keys(unknown.json())).toEqual(Object.keys(wrong.json()));
    expect(unknown.json()).toEqual({
      valid: false,
      code: 'LICENSE_NOT_FOUND',
      message: 'Kunci lisensi tidak ditemukan.',
    });
    expect(wrong.json().code).toBe('NOT_ACTIVATED');

    const unknownOff = await licenseApi(world, 'deactivate', { key: 'KEI-0000-0000-0000-0000', fingerprint: 'A' });
    const wrongOff = await licenseApi(world, 'deactivate', { key, fingerprint: 'Z' });
    expect([unknownOff.statusCode, wrongOff.statusCode]).toEqual([404, 404]);
    expect(Object.keys(unknownOff.json().error)).toEqual(Object.keys(wrongOff.json().error));
    expect([unknownOff.json().error.code, wrongOff.json().error.code]).toEqual(['LICENSE_NOT_FOUND', 'NOT_ACTIVATED']);
  });

  it('deactivates by activation id and by fingerprint, which frees the slot', async () => {
    const world = await open();
    const { id, key } = await buyLicense(world, 'Satu Perangkat');
    const a = (await licenseApi(world, 'activate', { key, fingerprint: 'A' })).json().activation.id;
    const byId = await licenseApi(world, 'deactivate', { key, activation_id: a });
    expect(byId.statusCode).toBe(200);
    expect(byId.json()).toEqual({ deactivated: true, activation_id: a, transfers_remaining: 2 });
    expect((await licenseApi(world, 'deactivate', { key, activation_id: a })).json().error.code).toBe('NOT_ACTIVATED');

    const b = (await licenseApi(world, 'activate', { key, fingerprint: 'B' })).json().activation.id;
    const byFingerprint = await licenseApi(world, 'deactivate', { key, fingerprint: 'B' });
    expect(byFingerprint.json()).toEqual({ deactivated: true, activation_id: b, transfers_remaining: 1 });
    expect(await liveActivations(world, id)).toHaveLength(0);
    expect((await licenseApi(world, 'activate', { key, fingerprint: 'C' })).statusCode).toBe(201);
    // Another license's activation id is not this license's.
    const other = await buyLicense(world, 'Satu Perangkat', 'ani@example.com');
    const foreign = await licenseApi(world, 'deactivate', { key: other.key, activation_id: b });
    expect(foreign.json().error.code).toBe('NOT_ACTIVATED');
  });

  it('bad input: 400 with a short JSON error, nothing written', async () => {
    const world = await open();
    const { id, key } = await buyLicense(world, 'Satu Perangkat');
    const cases: [string, unknown][] = [
      ['activate', { fingerprint: 'A' }],
      ['activate', { key, fingerprint: '' }],
      ['activate', { key, fingerprint: 'x'.repeat(257) }],
      ['activate', { key, fingerprint: 'A', name: 5 }],
      ['validate', { key: 42 }],
      ['deactivate', { key }],
      ['deactivate', { key, activation_id: 1, fingerprint: 'A' }],
      ['deactivate', { key, activation_id: -1 }],
    ];
    for (const [action, body] of cases) {
      const res = await licenseApi(world, action as 'activate', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'INVALID_PAYLOAD', requestId: expect.any(String) });
    }
    const notJson = await licenseApi(world, 'validate', '{"key":');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe('INVALID_JSON');
    expect(await liveActivations(world, id)).toHaveLength(0);
  });

  it('rate limits per key and per IP answer 429 with Retry-After, and the window ends', async () => {
    const world = await open({ LICENSE_API_MAX_PER_KEY: '3', LICENSE_API_MAX_PER_IP: '5' });
    const { key } = await buyLicense(world, 'Satu Perangkat');
    for (let i = 0; i < 3; i++)
      expect((await licenseApi(world, 'validate', { key }, `198.51.100.${i}`)).statusCode).toBe(200);
    const perKey = await licenseApi(world, 'validate', { key }, '198.51.100.9');
    expect(perKey.statusCode).toBe(429);
    expect(perKey.headers['retry-after']).toBe('60');
    expect(perKey.json().error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('60 detik') });

    // One IP guessing many keys: the sixth request is refused whatever the key.
    for (let i = 0; i < 5; i++)
      expect((await licenseApi(world, 'validate', { key: `KEI-GUES-${i}` }, '192.0.2.1')).statusCode).toBe(200);
    const perIp = await licenseApi(world, 'activate', { key: 'KEI-GUES-X', fingerprint: 'A' }, '192.0.2.1');
    expect(perIp.statusCode).toBe(429);
    // Malformed bodies count per IP as well.
    for (let i = 0; i < 5; i++) expect((await licenseApi(world, 'validate', {}, '192.0.2.2')).statusCode).toBe(400);
    expect((await licenseApi(world, 'validate', {}, '192.0.2.2')).statusCode).toBe(429);

    world.runtime.advance(30_000);
    expect((await licenseApi(world, 'validate', { key }, '198.51.100.9')).headers['retry-after']).toBe('30');
    world.runtime.advance(30_000);
    expect((await licenseApi(world, 'validate', { key }, '198.51.100.9')).statusCode).toBe(200);
  });

  it('validation notes "last validated" at most once a minute and writes it behind, off the request', async () => {
    const world = await open();
    const { id, key } = await buyLicense(world, 'Satu Perangkat');
    await licenseApi(world, 'activate', { key, fingerprint: 'A' });
    const createdAt = world.runtime.now();
    const lastValidated = async () => Number((await liveActivations(world, id))[0]?.last_validated_at);
    world.runtime.advance(30_000);
    await licenseApi(world, 'validate', { key, fingerprint: 'A' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await lastValidated()).toBe(createdAt);
    world.runtime.advance(40_000);
    const seen = await licenseApi(world, 'validate', { key, fingerprint: 'A' });
    expect(seen.json().activation.last_validated_at).toBe(new Date(world.runtime.now()).toISOString());
    // A budget, not a measure: the write goes through the touch worker thread, which on a loaded
    // machine (the full suite on two cores) took over 5 s to start from source and commit.
    await expect.poll(lastValidated, { timeout: 30_000 }).toBe(world.runtime.now());
  });
});
