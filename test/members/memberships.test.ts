import { describe, expect, it } from 'vitest';
import { foldGrants } from '../../src/members/index.js';
import { addAdmin, auditEntries, csrfOf, signInAdmin } from '../helpers/admin.js';
import { addMember, linkIn, location, TestDevice, tokenOf } from '../helpers/auth.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, devMailWorker, worldPerTest } from '../helpers/world.js';

const DAY = 86_400_000;
const ANI = 'ani@example.com';
const RULES = JSON.stringify([
  { title: 'Member Bulanan', action: 'member', validityDays: 30, renewUrl: 'https://lynk.id/toko/bulanan' },
  { title: 'Member Seumur Hidup', action: 'member' },
  { title: 'Aplikasi Kasir', action: 'license', maxDevices: 2 },
]);

describe('the membership end from grants (pure rule)', () => {
  it('adds to the end while it runs, counts from the payment after it, and lifetime wins', () => {
    expect(foldGrants([])).toEqual({ isMember: false, endsAt: null });
    expect(foldGrants([{ days: 30, paid_at: 0 }])).toEqual({ isMember: true, endsAt: 30 * DAY });
    // Renewed on day 20: the new 30 days start at day 30.
    expect(
      foldGrants([
        { days: 30, paid_at: 0 },
        { days: 30, paid_at: 20 * DAY },
      ]).endsAt,
    ).toBe(60 * DAY);
    // Renewed on day 45, after the end: from the payment.
    expect(
      foldGrants([
        { days: 30, paid_at: 0 },
        { days: 30, paid_at: 45 * DAY },
      ]).endsAt,
    ).toBe(75 * DAY);
    expect(
      foldGrants([
        { days: 30, paid_at: 0 },
        { days: null, paid_at: 5 },
      ]),
    ).toEqual({ isMember: true, endsAt: null });
  });
});

describe.each(DIALECTS)('memberships over time (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect);
  const open = async () => (world = await openWorld({ PRODUCT_RULES: RULES }));
  const db = () => world.database.db;
  const buy = (title: string, email = ANI) =>
    postLynk(world.app, payment({ email, name: 'Ani', items: [{ title, uuid: `u-${title}` }] }));
  const member = () => db().selectFrom('members').selectAll().where('email', '=', ANI).executeTakeFirstOrThrow();
  const mails = (kind?: string) => {
    let q = db().selectFrom('mail_outbox').selectAll().where('to_address', '=', ANI).orderBy('id');
    if (kind) q = q.where('kind', '=', kind as 'refund');
    return q.execute();
  };
  /** Signs Ani in through an emailed login link (the way a member without a known password gets in). */
  const signInByLink = async () => {
    const device = new TestDevice(world.app);
    await device.post('/login/tautan/kirim', { email: ANI });
    await devMailWorker(world).drain();
    const link = linkIn((await mails('login_link')).at(-1)?.text_body ?? null, '/login/tautan');
    const used = await device.post('/login/tautan', { token: tokenOf(link), fingerprint: device.fingerprint });
    expect(location(used)).toBe('/member');
    return device;
  };

  it('a 30-day purchase ends 30 days after payment; a renewal before the end adds to the end and mails the new date', async () => {
    await open();
    const paidAt = world.runtime.now();
    expect((await buy('Member Bulanan')).json().outcome).toBe('processed');
    expect(Number((await member()).membership_ends_at)).toBe(paidAt + 30 * DAY);

    world.runtime.advance(10 * DAY);
    await buy('Member Bulanan');
    expect(Number((await member()).membership_ends_at)).toBe(paidAt + 60 * DAY);
    await devMailWorker(world).drain();
    const repeat = (await mails('registration')).at(-1);
    expect(repeat?.subject).toContain('Pembelian Member Berhasil');
    // 23 Nov 2026 05:00 UTC + 60 days, in WIB.
    expect(repeat?.text_body).toContain('Masa aktif diperpanjang sampai 22 Januari 2027.');
    expect((await mails('registration'))[0]?.text_body).toContain('Masa aktif member sampai 23 Desember 2026.');
  });

  it('a renewal after the end counts from the payment', async () => {
    await open();
    await buy('Member Bulanan');
    world.runtime.advance(45 * DAY);
    const renewedAt = world.runtime.now();
    await buy('Member Bulanan');
    expect(Number((await member()).membership_ends_at)).toBe(renewedAt + 30 * DAY);
  });

  it('a member from before memberships could end keeps lifetime when buying a monthly product', async () => {
    await open();
    await addMember(world, ANI);
    await buy('Member Bulanan');
    const row = await member();
    expect([row.is_member, row.membership_ends_at]).toEqual([1, null]);
    expect(await db().selectFrom('membership_grants').select('days').orderBy('id').execute()).toEqual([
      { days: null },
      { days: 30 },
    ]);
  });

  it('reminders go 7 days and 1 day before the end, each once, with the renewal link', async () => {
    await open();
    await buy('Member Bulanan');
    const worker = devMailWorker(world);
    await worker.drain();
    world.runtime.advance(22 * DAY); // 8 days left
    await worker.drain();
    expect(await mails('membership_reminder')).toHaveLength(0);
    world.runtime.advance(DAY + 1); // just under 7 days left
    await worker.drain();
    await worker.drain();
    world.runtime.advance(3 * DAY);
    await worker.drain();
    let reminders = await mails('membership_reminder');
    expect(reminders.map((m) => m.subject)).toEqual(['Masa aktif member Anda segera berakhir']);
    expect(reminders[0]?.text_body).toContain('berakhir pada 23 Desember 2026');
    expect(reminders[0]?.text_body).toContain('Perpanjang sekarang: https://lynk.id/toko/bulanan');
    world.runtime.advance(3 * DAY); // under a day left
    await worker.drain();
    await worker.drain();
    reminders = await mails('membership_reminder');
    expect(reminders.map((m) => m.subject)).toEqual([
      'Masa aktif member Anda segera berakhir',
      'Masa aktif member Anda berakhir besok',
    ]);
    expect(reminders.every((m) => m.status === 'sent')).toBe(true);
  });

  it('an expired member still signs in, sees when it ended and the renewal page instead of the member content', async () => {
    await open();
    await buy('Member Bulanan');
    world.runtime.advance(31 * DAY);
    const device = await signInByLink();
    const home = await device.get('/member');
    expect(home.body).toContain('Masa aktif member berakhir pada 23 Desember 2026');
    expect(home.body).toContain('href="https://lynk.id/toko/bulanan"');
    const content = await device.get('/member/video');
    expect(content.statusCode).toBe(200);
    expect(content.body).toContain('Perpanjang member');
    expect(content.body).not.toContain('id="product-content"');
    // Renewing opens it again at once.
    await buy('Member Bulanan');
    expect((await device.get('/member/video')).body).toContain('id="product-content"');
  });

  it('the console lists memberships ending within 7 days and those that ended', async () => {
    await open();
    await buy('Member Bulanan');
    await buy('Member Bulanan', 'budi@example.com');
    world.runtime.advance(5 * DAY);
    await buy('Member Bulanan', 'citra@example.com');
    await buy('Member Seumur Hidup', 'dewi@example.com');
    world.runtime.advance(20 * DAY); // Ani and Budi: 5 days left; Citra: 10
    await addAdmin(world);
    const admin = await signInAdmin(world);
    const soon = await admin.get('/admin/member?masa=segera');
    expect(soon.statusCode).toBe(200);
    expect(soon.body).toContain(ANI);
    expect(soon.body).toContain('budi@example.com');
    expect(soon.body).not.toContain('citra@example.com');
    expect(soon.body).not.toContain('dewi@example.com');
    world.runtime.advance(6 * DAY);
    const ended = await admin.get('/admin/member?masa=berakhir');
    expect(ended.body).toContain(ANI);
    expect(ended.body).not.toContain('citra@example.com');
    const detail = await admin.get(`/admin/member/${(await member()).id}`);
    expect(detail.body).toContain('sudah berakhir');
  });

  it('a buyer of licenses only gets an account without password or membership; a login link shows both purchases', async () => {
    await open();
    await buy('Aplikasi Kasir');
    world.runtime.advance(DAY);
    await buy('Aplikasi Kasir');
    const row = await member();
    expect([row.is_member, row.password_hash]).toEqual([0, '']);
    // No password opens it, not even the decoy's.
    expect((await new TestDevice(world.app).login(ANI, 'gerbang: no such member, same cost')).statusCode).toBe(401);
    const device = await signInByLink();
    const keys = await db().selectFrom('licenses').select('license_key').execute();
    expect(keys).toHaveLength(2);
    const page = await device.get('/member/lisensi');
    for (const { license_key } of keys) expect(page.body).toContain(license_key);
    expect(page.body).toContain('data-copy=');
    const home = await device.get('/member');
    expect(home.body.match(/class="product-card"/g)).toHaveLength(2);
    // Each purchase says what was bought, then its order number, date and amount.
    const orders = await db().selectFrom('orders').select('order_no').orderBy('id', 'desc').execute();
    expect(home.body.match(/<li class="product-card"><div><strong>([^<]*)<\/strong>/g)).toEqual([
      '<li class="product-card"><div><strong>Aplikasi Kasir</strong>',
      '<li class="product-card"><div><strong>Aplikasi Kasir</strong>',
    ]);
    for (const { order_no } of orders) expect(home.body).toContain(`Order ${order_no} · `);
    expect((await device.get('/member/video')).body).toContain('belum memiliki keanggotaan aktif');
  });

  it('a buyer from before accounts were made for license buyers gets one when asking for a link', async () => {
    await open();
    await buy('Aplikasi Kasir');
    await db().deleteFrom('members').execute();
    await signInByLink();
    expect((await member()).is_member).toBe(0);
    // An address that never paid gets nothing, with the same answer.
    const stranger = await new TestDevice(world.app).post('/login/tautan/kirim', { email: 'asing@example.com' });
    expect(location(stranger)).toBe('/login?alasan=tautan');
    expect(await db().selectFrom('members').select('id').execute()).toHaveLength(1);
  });

  it('a refund revokes the licenses and the membership time of the order, mails the buyer, and is audited once', async () => {
    await open();
    await buy('Member Bulanan');
    world.runtime.advance(DAY);
    await postLynk(
      world.app,
      payment({
        email: ANI,
        name: 'Ani',
        items: [
          { title: 'Member Bulanan', uuid: 'u-Member Bulanan' },
          { title: 'Aplikasi Kasir', uuid: 'u-Aplikasi Kasir' },
        ],
      }),
    );
    const orderId = (await db().selectFrom('orders').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
    const firstPaid = (await db().selectFrom('orders').select('created_at').orderBy('id').executeTakeFirstOrThrow())
      .created_at;
    expect(Number((await member()).membership_ends_at)).toBe(Number(firstPaid) + 60 * DAY);

    const adminId = await addAdmin(world);
    const admin = await signInAdmin(world);
    const page = await admin.get(`/admin/member/${(await member()).id}`);
    expect(page.body).toContain(`action="/admin/pesanan/${orderId}/refund"`);
    const form = { alasan: 'Pembeli minta batal', yakin: 'ya', kembali: `/admin/member/${(await member()).id}` };
    const res = await admin.post(`/admin/pesanan/${orderId}/refund`, form, { csrf: csrfOf(page.body) });
    expect(location(res)).toBe(`/admin/member/${(await member()).id}?pesan=refund`);

    expect(Number((await member()).membership_ends_at)).toBe(Number(firstPaid) + 30 * DAY);
    const license = await db().selectFrom('licenses').selectAll().executeTakeFirstOrThrow();
    expect([license.status, license.revoked_reason]).toEqual(['revoked', 'refund: Pembeli minta batal']);
    const order = await db().selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
    expect(order.refund_reason).toBe('Pembeli minta batal');
    await devMailWorker(world).drain();
    const [mail] = await mails('refund');
    expect(mail?.subject).toBe(`Pesanan #${order.order_no} dibatalkan`);
    expect(mail?.text_body).toContain('Alasan: Pembeli minta batal');
    expect(mail?.text_body).toContain(license.license_key);
    expect(mail?.text_body).toContain('Masa aktif member dari pesanan ini (30 hari) dicabut.');
    const [entry] = await auditEntries(world, 'order.refund');
    expect(entry).toMatchObject({ actor_id: adminId, target_type: 'order', target_id: String(orderId) });

    const again = await admin.post(`/admin/pesanan/${orderId}/refund`, form, {
      csrf: csrfOf((await admin.get(`/admin/member/${(await member()).id}`)).body),
    });
    expect(again.statusCode).toBe(409);
    expect(await auditEntries(world, 'order.refund')).toHaveLength(1);
  });

  it('refunding the only membership order ends the membership and tells the member’s open pages', async () => {
    await open();
    await buy('Member Bulanan');
    const device = await signInByLink();
    expect((await device.get('/member/video')).body).toContain('data-membership="open"');
    const order = await db().selectFrom('orders').select('id').executeTakeFirstOrThrow();
    await addAdmin(world);
    const admin = await signInAdmin(world);
    const page = await admin.get(`/admin/member/${(await member()).id}`);
    await admin.post(
      `/admin/pesanan/${order.id}/refund`,
      { alasan: 'Dana dikembalikan', yakin: 'ya' },
      { csrf: csrfOf(page.body) },
    );
    const row = await member();
    expect(row.is_member).toBe(0);
    const events = await db()
      .selectFrom('realtime_events')
      .selectAll()
      .where('kind', '=', 'membership.ended')
      .execute();
    expect(events.map((e) => [e.member_id, e.device_id])).toEqual([[row.id, null]]);
    expect((await device.get('/member/video')).body).toContain('Perpanjang member');
  });
});
