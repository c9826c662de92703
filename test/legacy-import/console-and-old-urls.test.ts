import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAdmin, signInAdmin } from '../helpers/admin.js';
import type { LegacyDatabase } from '../helpers/legacy.js';
import { createLegacyDatabase, LEGACY_PRODUCT_RULES, sampleLegacyData } from '../helpers/legacy.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';
import { runImport, tableCounts } from './legacy-world.js';

let legacy: LegacyDatabase;
beforeAll(async () => {
  legacy = await createLegacyDatabase(sampleLegacyData());
});
afterAll(async () => {
  await legacy?.drop();
});

describe.each(DIALECTS)('after the switch-over (%s)', (dialect) => {
  const open = worldPerTest(dialect);

  it('the console marks imported members and licenses, finds old keys, and the audit log holds the import', async () => {
    const world = await open({ PRODUCT_RULES: LEGACY_PRODUCT_RULES });
    await addAdmin(world);
    await runImport(world, { kind: 'mysql', url: legacy.url });
    const db = world.database.db;
    const ani = await db
      .selectFrom('members')
      .select('id')
      .where('email', '=', 'ani@example.com')
      .executeTakeFirstOrThrow();
    const key = await db
      .selectFrom('licenses')
      .select('id')
      .where('license_key', '=', 'KEI-1A2B-3C4D5E6F')
      .executeTakeFirstOrThrow();
    const admin = await signInAdmin(world);

    const member = await admin.get(`/admin/member/${ani.id}`);
    expect(member.statusCode).toBe(200);
    expect(member.body).toContain('diimpor dari sistem lama');
    expect(member.body).toContain('wajib diganti saat masuk');
    const license = await admin.get(`/admin/lisensi/${key.id}`);
    expect(license.body).toContain('diimpor dari sistem lama');
    expect(license.body).toContain('order lama KEI-11112222 · transaksi lama KEI-8001');
    // Old keys are searched like new ones (a prefix, any format).
    const search = await admin.get('/admin/lisensi?q=kei-1a2b');
    expect(search.body).toContain(`/admin/lisensi/${key.id}`);
    const audit = await admin.get('/admin/audit?aksi=legacy.import');
    expect(audit.body).toContain('Impor: 4 member, 5 lisensi');
  });

  it("the old login page's POST /cekfingerprint gets 410 with a message pointing to /login, and signs nobody in", async () => {
    const world = await open();
    await runImport(world, { kind: 'mysql', url: legacy.url });
    const before = await tableCounts(world);
    const sessionsBefore = await world.database.db.selectFrom('sessions').selectAll().execute();
    // As the cached old page sends it (seed 000, login.php), with a right password.
    const res = await world.app.inject({
      method: 'POST',
      url: '/cekfingerprint',
      headers: { 'content-type': 'application/json', cookie: 'device_fp=abc123' },
      payload: JSON.stringify({ username: 'budi@example.com', pass: 'sandi lama budi', action: '' }),
    });
    expect(res.statusCode).toBe(410);
    const body = res.json();
    // The old script shows `message` when `status` is "invalid": no modal, no loop.
    expect(body).toMatchObject({ status: 'invalid', login: '/login', error: { code: 'LEGACY_LOGIN_GONE' } });
    expect(body.message).toBe('Halaman masuk ini sudah diganti. Silakan masuk di /login.');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await tableCounts(world)).toEqual(before);
    expect(await world.database.db.selectFrom('sessions').selectAll().execute()).toEqual(sessionsBefore);
  });
});
