import { afterEach, describe, expect, it } from 'vitest';
import { keyFingerprint, signLynkPayment } from '../../src/webhooks/index.js';
import { addAdmin, auditEntries, csrfOf, signInAdmin } from '../helpers/admin.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS, MERCHANT_KEY } from '../helpers/world.js';

const NEW_KEY = 'kunci-baru-lynk-dari-konsol-0123';

/** The console's "Kunci webhook": a rotation without restarts, shown by fingerprint, audited. */
describe.each(DIALECTS)('webhook keys on the console (%s)', (dialect) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('adds a key that verifies at once, keeps the old one until retired, never shows a key, audits both', async () => {
    const w = await createWorld(dialect);
    world = w;
    await addAdmin(w);
    const admin = await signInAdmin(w);
    const page = await admin.get('/admin/kunci-webhook');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(keyFingerprint(MERCHANT_KEY));
    expect(page.body).toContain('lingkungan (env)');

    const added = await admin.post(
      '/admin/kunci-webhook',
      { provider: 'lynk', secret: NEW_KEY, previous_hours: '24' },
      { csrf: csrfOf(page.body) },
    );
    expect(added.statusCode).toBe(303);
    expect(added.headers.location).toBe('/admin/kunci-webhook?pesan=kunci-aktif');

    const signedNew = signLynkPayment(payment({ email: 'baru@example.com' }), NEW_KEY);
    expect((await postLynk(w.app, signedNew.body, { signature: signedNew.signature })).statusCode).toBe(200);
    expect((await postLynk(w.app, payment({ email: 'lama@example.com' }))).statusCode).toBe(200);

    const listed = await admin.get('/admin/kunci-webhook');
    expect(listed.body).not.toContain(NEW_KEY);
    expect(listed.body).not.toContain(MERCHANT_KEY);
    expect(listed.body).toContain(keyFingerprint(NEW_KEY));
    const previous = await w.database.db
      .selectFrom('webhook_signing_keys')
      .select(['id', 'expires_at'])
      .where('secret', '=', MERCHANT_KEY)
      .executeTakeFirstOrThrow();
    expect(previous.expires_at).toBe(w.runtime.now() + 24 * 3_600_000);
    const retired = await admin.post(`/admin/kunci-webhook/${previous.id}/pensiun`, {}, { csrf: csrfOf(listed.body) });
    expect(retired.headers.location).toBe('/admin/kunci-webhook?pesan=kunci-pensiun');

    // Once the keyring's few seconds are past, the instance re-reads the keys and refuses it (the
    // delivery that notices the keys are stale is still checked against what it knew).
    w.runtime.advance(6000);
    const statuses: number[] = [];
    for (let i = 0; i < 5 && statuses.at(-1) !== 401; i++)
      statuses.push((await postLynk(w.app, payment({ email: `lama-${i}@example.com` }))).statusCode);
    expect(statuses.at(-1)).toBe(401);

    const audit = await auditEntries(w);
    expect(
      audit.filter((e) => e.action.startsWith('webhook_key.')).map((e) => [e.action, e.actor_type, e.details]),
    ).toEqual([
      ['webhook_key.add', 'admin', expect.stringContaining(keyFingerprint(NEW_KEY))],
      ['webhook_key.retire', 'admin', expect.stringContaining(keyFingerprint(MERCHANT_KEY))],
    ]);
    expect(JSON.stringify(audit)).not.toContain(NEW_KEY);
  });
});
