import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderIfNew, recordOrderItems } from '../../src/orders/index.js';
import { PASSWORD, TestDevice } from '../helpers/auth.js';
import type { LegacyDatabase } from '../helpers/legacy.js';
import { createLegacyDatabase, LEGACY_PRODUCT_RULES, sampleLegacyData } from '../helpers/legacy.js';
import { licenseApi } from '../helpers/license-world.js';
import { payment, postLynk } from '../helpers/lynk.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';
import { runImport, tableCounts } from './legacy-world.js';

let legacy: LegacyDatabase;
let dumpDir: string;
beforeAll(async () => {
  legacy = await createLegacyDatabase(sampleLegacyData());
  dumpDir = mkdtempSync(join(tmpdir(), 'gerbang-dump-'));
});
afterAll(async () => {
  await legacy?.drop();
  rmSync(dumpDir, { recursive: true, force: true });
});

describe.each(DIALECTS)('importing the previous system (%s)', (dialect) => {
  const newWorld = worldPerTest(dialect);
  const open = () => newWorld({ PRODUCT_RULES: LEGACY_PRODUCT_RULES });
  const fromMysql = () => ({ kind: 'mysql' as const, url: legacy.url });

  it('a dry run reports what would happen and writes nothing', async () => {
    const world = await open();
    const before = await tableCounts(world);
    const report = await runImport(world, fromMysql(), true);
    expect(report.dryRun).toBe(true);
    expect(report.members).toMatchObject({ rows: 8, toCreate: 4, created: null, skipped: 4, phoneDefault: null });
    expect(report.licenses).toMatchObject({ rows: 8, toCreate: 5, created: null, skipped: 3 });
    expect(await tableCounts(world)).toEqual(before);
  });

  it('imports members and licenses, reports each skipped row with its reason, and a second run adds nothing', async () => {
    const world = await open();
    const first = await runImport(world, fromMysql());
    expect(first.members).toMatchObject({
      toCreate: 4,
      created: 4,
      alreadyImported: 0,
      skipped: 4,
      phoneDefault: 1,
      withoutPassword: 1,
    });
    expect(first.licenses).toMatchObject({
      toCreate: 5,
      created: 5,
      skipped: 3,
      ordersCreated: 4,
      activationsCreated: 1,
    });
    expect(first.skipped.map((s) => [s.table, s.ref, s.code])).toEqual([
      ['member', '3', 'DUPLICATE_EMAIL'],
      ['member', '4', 'NO_EMAIL'],
      ['member', '5', 'INVALID_EMAIL'],
      ['member', '6', 'NOT_A_MEMBER'],
      ['lynk_webhook', '5', 'NO_KEY'],
      ['lynk_webhook', '6', 'DUPLICATE_KEY'],
      ['lynk_webhook', '7', 'NO_EMAIL'],
    ]);
    expect(first.skipped[0]?.reason).toContain('beda huruf besar/kecil');
    expect(first.warnings.map((w) => [w.ref, w.code])).toEqual([['7', 'PASSWORD_NOT_BCRYPT']]);

    const db = world.database.db;
    const members = await db.selectFrom('members').selectAll().orderBy('email').execute();
    expect(members.map((m) => [m.email, m.name, m.phone, m.password_change_required])).toEqual([
      ['ani@example.com', "Ani O'Neil", '081111', 1],
      ['budi@example.com', 'Budi', '082222', 0],
      ['cici@example.com', 'Cici', '087777', 1],
      ['dodi@example.com', 'Dodi', '', 0],
    ]);
    expect(members.every((m) => m.imported_at === world.runtime.now())).toBe(true);
    // The old bcrypt hash is kept as PHP wrote it.
    expect(members[0]?.password_hash).toMatch(/^\$2y\$04\$/);

    const licenses = await db
      .selectFrom('licenses')
      .innerJoin('orders', 'orders.id', 'licenses.order_id')
      .select([
        'license_key',
        'licenses.email',
        'max_devices',
        'expires_at',
        'lynk_ref_id',
        'unit_no',
        'legacy_order_no',
        'legacy_transaction_no',
        'orders.external_ref',
      ])
      .orderBy('licenses.id')
      .execute();
    expect(licenses.map((l) => [l.license_key, l.email, l.max_devices, l.external_ref, l.unit_no])).toEqual([
      ['KEI-1A2B-3C4D5E6F', 'ani@example.com', 1, 'ref-ani-1', 1],
      ['KEI-AAAA-BBBBCCCC', 'ani@example.com', 2, 'ref-ani-2', 1],
      ['KEI-9F8E-7D6C5B4A', 'budi@example.com', 1, 'ref-budi', 1],
      ['KEI-0001-00020003', 'budi@example.com', 1, 'ref-budi', 2],
      ['KEI-EE00-12345678', 'eko@example.com', 1, 'ref-eko', 1],
    ]);
    // The product rule's validity counts from the old sale (a WIB wall clock): 2026-06-01 08:00 +07:00.
    expect(licenses[1]?.expires_at).toBe(Date.UTC(2026, 5, 1, 1, 0, 0) + 365 * 86_400_000);
    expect(licenses[0]?.expires_at).toBeNull();
    expect([licenses[0]?.legacy_order_no, licenses[0]?.legacy_transaction_no]).toEqual(['KEI-11112222', 'KEI-8001']);
    // An import sends no mail: buyers already have their keys.
    expect((await tableCounts(world)).mail_outbox).toBe(0);

    const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'legacy.import').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]?.details ?? '{}')).toMatchObject({ ringkasan: 'Impor: 4 member, 5 lisensi' });

    const before = await tableCounts(world);
    const second = await runImport(world, fromMysql());
    expect(second.members).toMatchObject({ toCreate: 0, created: 0, alreadyImported: 4, skipped: 4 });
    expect(second.licenses).toMatchObject({
      toCreate: 0,
      created: 0,
      alreadyImported: 5,
      skipped: 3,
      ordersCreated: 0,
    });
    expect(await tableCounts(world)).toEqual({ ...before, audit_log: (before.audit_log ?? 0) + 1 });
  });

  it('old passwords work once and become argon2id; a phone-number password must be replaced before any member page', async () => {
    const world = await open();
    await runImport(world, fromMysql());
    const db = world.database.db;
    const hashOf = async (email: string) =>
      (await db.selectFrom('members').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow())
        .password_hash;

    const budi = new TestDevice(world.app);
    expect((await budi.login('budi@example.com', 'sandi yang salah')).statusCode).toBe(401);
    expect((await budi.login('budi@example.com', 'sandi lama budi')).statusCode).toBe(303);
    expect((await budi.get('/member')).statusCode).toBe(200);
    expect(await hashOf('budi@example.com')).toMatch(/^\$argon2id\$/);

    const ani = new TestDevice(world.app);
    const login = await ani.login('ani@example.com', '081111');
    expect(login.headers.location).toBe('/member');
    expect(await hashOf('ani@example.com')).toMatch(/^\$argon2id\$/);
    for (const url of ['/member', '/member/lisensi', '/member/video']) {
      const page = await ani.get(url);
      expect([url, page.statusCode, page.headers.location]).toEqual([url, 303, '/akun/sandi-baru']);
    }
    const api = await ani.get('/api/session', { accept: 'application/json' });
    expect([api.statusCode, api.json().error.code]).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
    const form = await ani.get('/akun/sandi-baru');
    expect(form.body).toContain('Buat kata sandi baru');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const samePhone = await ani.post('/akun/sandi-baru', { password: '081111', password_confirm: '081111' }, { csrf });
    expect(samePhone.statusCode).toBe(422);
    const changed = await ani.post(
      '/akun/sandi-baru',
      { password: PASSWORD, password_confirm: PASSWORD },
      { csrf: /name="_csrf" value="([^"]+)"/.exec(samePhone.body)?.[1] ?? '' },
    );
    expect([changed.statusCode, changed.headers.location]).toEqual([303, '/member?sandi=baru']);
    expect((await ani.get('/member/lisensi')).body).toContain('KEI-1A2B-3C4D5E6F');
    expect((await ani.get('/akun/sandi-baru')).headers.location).toBe('/member');
    const again = new TestDevice(world.app);
    expect((await again.login('ani@example.com', '081111')).statusCode).toBe(401);
  });

  it('with the phone check left to the first login, typing the phone number still leads to a new password', async () => {
    const world = await open();
    const report = await runImport(world, fromMysql(), false, 'login');
    expect(report.members).toMatchObject({ created: 4, phoneDefault: null });
    const db = world.database.db;
    const flags = await db
      .selectFrom('members')
      .select(['email', 'password_change_required'])
      .orderBy('email')
      .execute();
    // Only the member without a bcrypt password is flagged by the import itself.
    expect(flags.filter((f) => f.password_change_required === 1).map((f) => f.email)).toEqual(['cici@example.com']);
    const ani = new TestDevice(world.app);
    expect((await ani.login('ani@example.com', '081111')).statusCode).toBe(303);
    expect((await ani.get('/member')).headers.location).toBe('/akun/sandi-baru');
    const budi = new TestDevice(world.app);
    expect((await budi.login('budi@example.com', 'sandi lama budi')).statusCode).toBe(303);
    expect((await budi.get('/member')).statusCode).toBe(200);
  });

  it('old keys are found by the license API: validated, activated, and device_active is an activation', async () => {
    const world = await open();
    await runImport(world, fromMysql());
    const validated = await licenseApi(world, 'validate', { key: 'KEI-1A2B-3C4D5E6F' });
    expect(validated.json()).toMatchObject({
      valid: true,
      code: 'VALID',
      license: { max_devices: 1, activations_used: 0 },
    });
    const activated = await licenseApi(world, 'activate', {
      key: 'KEI-1A2B-3C4D5E6F',
      fingerprint: 'pc-ani',
      name: 'PC',
    });
    expect(activated.statusCode).toBe(201);
    expect((await licenseApi(world, 'activate', { key: 'KEI-1A2B-3C4D5E6F', fingerprint: 'pc-lain' })).statusCode).toBe(
      409,
    );

    // The device the old system recorded holds the key: the seller's app, sending the same id, is activated.
    const old = await licenseApi(world, 'validate', { key: 'KEI-AAAA-BBBBCCCC', fingerprint: 'laptop-ani-lama' });
    expect(old.json()).toMatchObject({ valid: true, license: { max_devices: 2, activations_used: 1 } });
    expect(old.json().activation).not.toBeNull();
    // "0" in device_active names no device.
    const eko = await licenseApi(world, 'validate', { key: 'KEI-EE00-12345678' });
    expect(eko.json()).toMatchObject({ valid: true, license: { activations_used: 0 } });
  });

  it('a Lynk re-send of an old sale issues nothing', async () => {
    const world = await open();
    await runImport(world, fromMysql());
    const before = await tableCounts(world);
    const resent = await postLynk(
      world.app,
      payment({
        email: 'ani@example.com',
        refId: 'ref-ani-1',
        items: [{ title: 'E-book Ekspor', uuid: 'prod-ebook', qty: 1, price: 72000 }],
      }),
    );
    expect(resent.statusCode).toBe(200);
    expect(resent.json()).toMatchObject({ status: 'success', outcome: 'ignored' });
    const after = await tableCounts(world);
    expect([after.licenses, after.orders, after.mail_outbox]).toEqual([
      before.licenses,
      before.orders,
      before.mail_outbox,
    ]);
  });

  it("an old key's product is named by what Lynk sent for its UUID, else briefly (the old system kept no title)", async () => {
    const world = await open();
    // An order that came through the new webhook already: its items carry the title for the UUID.
    const order = await createOrderIfNew(
      world.database.db,
      {
        provider: 'lynk',
        externalRef: 'ref-baru-1',
        email: 'eko@example.com',
        customerName: 'Eko',
        phone: '',
        grandTotal: 990000,
        paidAt: null,
        isTest: false,
      },
      { prefix: 'KEI', now: world.runtime.now(), randomBytes: world.runtime.randomBytes },
    );
    if (!order) throw new Error('order not created');
    await recordOrderItems(
      world.database.db,
      order.id,
      [
        {
          lineNo: 1,
          title: 'Langganan Setahun',
          uuid: 'prod-setahun',
          qty: 1,
          price: 990000,
          action: 'member',
          matchedBy: 'uuid',
        },
      ],
      world.runtime.now(),
    );
    await runImport(world, fromMysql());
    const titles = await world.database.db
      .selectFrom('licenses')
      .select(['product_uuid', 'product_title'])
      .where('imported_at', 'is not', null)
      .groupBy(['product_uuid', 'product_title'])
      .orderBy('product_uuid')
      .execute();
    expect(titles).toContainEqual({ product_uuid: 'prod-setahun', product_title: 'Langganan Setahun' });
    expect(titles).toContainEqual({ product_uuid: 'prod-ebook', product_title: 'Produk sistem lama (prod-ebo)' });
    expect(titles.filter((t) => t.product_title.includes('prod-setahun'))).toEqual([]);
  });

  it('a mysqldump export of the old database imports exactly as the database itself', async () => {
    const world = await open();
    const file = join(dumpDir, `lama-${dialect}.sql`);
    await legacy.dump(file);
    const fromDump = await runImport(world, { kind: 'sql-dump', path: file }, true);
    const fromDatabase = await runImport(world, fromMysql(), true);
    expect(fromDump.members).toEqual(fromDatabase.members);
    expect(fromDump.licenses).toEqual(fromDatabase.licenses);
    expect(fromDump.skipped).toEqual(fromDatabase.skipped);
    const imported = await runImport(world, { kind: 'sql-dump', path: file });
    expect(imported.licenses.created).toBe(5);
    const ani = new TestDevice(world.app);
    expect((await ani.login('budi@example.com', 'sandi lama budi')).statusCode).toBe(303);
  });
});
