import { describe, expect, it } from 'vitest';
import { addAdmin, csrfOf, signInAdmin } from '../helpers/admin.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

/** A payment as Lynk itself sends it (its message ids never start with SIM_). */
function realPayment(email: string, items: { title: string; uuid?: string; qty?: number; price?: number }[]) {
  return payment({ email, items, messageId: `LYNK_${Math.random().toString(36).slice(2)}` });
}

describe.each(DIALECTS)('orders in the console (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect, async (w) => {
    await addAdmin(w);
  });
  const open = async (env: Record<string, string> = {}) => {
    world = await openWorld(env);
    return signInAdmin(world);
  };
  const db = () => world.database.db;
  const pay = async (body: object) => expect((await postLynk(world.app, body)).statusCode).toBe(200);

  it('records every item with what the rules made of it, and marks simulated payments as tests', async () => {
    await open({ MEMBER_PRODUCT_TITLES: 'Daftar Member KEI' });
    await pay(realPayment('budi@example.com', [{ title: 'E-book Ekspor', uuid: 'p-ebook', qty: 2, price: 50000 }]));
    await pay(payment({ email: 'uji@example.com', items: [{ title: 'Daftar Member KEI', uuid: 'p-member' }] }));
    const orders = await db().selectFrom('orders').select(['id', 'email', 'is_test']).orderBy('id').execute();
    expect(orders.map((o) => [o.email, o.is_test])).toEqual([
      ['budi@example.com', 0],
      ['uji@example.com', 1],
    ]);
    const items = await db()
      .selectFrom('order_items')
      .select(['title', 'uuid', 'qty', 'price', 'action', 'matched_by'])
      .orderBy('id')
      .execute();
    expect(items).toEqual([
      { title: 'E-book Ekspor', uuid: 'p-ebook', qty: 2, price: 50000, action: 'license', matched_by: 'none' },
      {
        title: 'Daftar Member KEI',
        uuid: 'p-member',
        qty: 1,
        price: 72000,
        action: 'member',
        matched_by: 'member_title',
      },
    ]);
  });

  it('a rule title matches whatever the letter case and repeated or trailing spaces', async () => {
    await open({ MEMBER_PRODUCT_TITLES: 'Daftar Member KEI' });
    await pay(realPayment('ani@example.com', [{ title: '  daftar   member kei ', uuid: 'p-m' }]));
    const member = await db().selectFrom('members').select('email').where('email', '=', 'ani@example.com').execute();
    expect(member).toHaveLength(1);
    expect(await db().selectFrom('licenses').select('id').execute()).toHaveLength(0);
  });

  it('a member product renamed in Lynk (same uuid) stays a membership, with a warning, never a license', async () => {
    await open({ MEMBER_PRODUCT_TITLES: 'Daftar Member KEI' });
    await pay(realPayment('ani@example.com', [{ title: 'Daftar Member KEI', uuid: 'p-member' }]));
    await pay(realPayment('budi@example.com', [{ title: 'Member KEI 2027', uuid: 'p-member' }]));
    expect(await db().selectFrom('licenses').select('id').execute()).toHaveLength(0);
    const budi = await db().selectFrom('members').select('id').where('email', '=', 'budi@example.com').execute();
    expect(budi).toHaveLength(1);
    const event = await db()
      .selectFrom('webhook_events')
      .select('note')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(event.note).toContain('UUID-nya dulu produk member');
  });

  it('lists orders newest first with search, product, kind and date filters, and pages by keyset', async () => {
    const admin = await open();
    await pay(realPayment('budi@example.com', [{ title: 'E-book Ekspor', uuid: 'p-ebook' }]));
    world.runtime.advance(2 * 86_400_000);
    await pay(realPayment('citra@example.com', [{ title: 'Kelas VIP', uuid: 'p-vip', price: 150000 }]));
    await pay(payment({ email: 'uji@example.com', items: [{ title: 'Kelas VIP', uuid: 'p-vip' }] }));
    const list = async (query: string) => {
      const res = await admin.get(`/admin/pesanan${query}`);
      expect(res.statusCode).toBe(200);
      return [...res.body.matchAll(/<span class="muted">([^<]+@example\.com)<\/span>/g)].map((m) => m[1]);
    };
    expect(await list('')).toEqual(['uji@example.com', 'citra@example.com', 'budi@example.com']);
    expect(await list('?q=CIT')).toEqual(['citra@example.com']);
    expect(await list('?jenis=nyata')).toEqual(['citra@example.com', 'budi@example.com']);
    expect(await list('?jenis=uji')).toEqual(['uji@example.com']);
    expect(await list(`?produk=${encodeURIComponent('Kelas VIP')}&jenis=nyata`)).toEqual(['citra@example.com']);
    // The clock starts on 23 Nov 2026 12.00 WIB; two days later is the 25th.
    expect(await list('?dari=2026-11-25&sampai=2026-11-25')).toEqual(['uji@example.com', 'citra@example.com']);
    expect(await list('?sampai=2026-11-23')).toEqual(['budi@example.com']);
    expect(await list('?dari=2026-02-31')).toHaveLength(3); // not a date: no filter
    const orders = await db().selectFrom('orders').select('id').orderBy('id', 'desc').execute();
    const second = orders[1]?.id ?? 0;
    expect(await list(`?sebelum=${second}`)).toEqual(['budi@example.com']);
  });

  it('the order page shows everything the order granted and a spot for the refund form', async () => {
    const admin = await open({ MEMBER_PRODUCT_TITLES: 'Daftar Member KEI' });
    await pay(
      realPayment('budi@example.com', [
        { title: 'E-book Ekspor', uuid: 'p-ebook', qty: 2 },
        { title: 'Daftar Member KEI', uuid: 'p-member' },
      ]),
    );
    const order = await db().selectFrom('orders').selectAll().executeTakeFirstOrThrow();
    const keys = await db().selectFrom('licenses').select(['license_key']).execute();
    const res = await admin.get(`/admin/pesanan/${order.id}`);
    expect(res.statusCode).toBe(200);
    for (const k of keys) expect(res.body).toContain(k.license_key);
    expect(res.body).toContain('id="order-member"');
    expect(res.body).toContain('dibuat oleh pesanan ini');
    expect(res.body).toMatch(/<table id="order-mails"[^>]*>[\s\S]*pendaftaran[\s\S]*lisensi/);
    expect(res.body).toMatch(/<ul class="plain" id="order-events"><li><a href="\/admin\/webhook\/\d+">/);
    expect(res.body).toContain('<section id="order-refund">');
    expect(res.body).toContain('buat aturan');
    expect((await admin.get('/admin/pesanan/999999')).statusCode).toBe(404);
    expect((await admin.get('/admin/pesanan/abc')).statusCode).toBe(404);
  });

  it('a refund from the order page: the order shows as cancelled, filters apart and leaves the revenue', async () => {
    const admin = await open();
    await pay(realPayment('budi@example.com', [{ title: 'E-book Ekspor', uuid: 'p-ebook', price: 50000 }]));
    await pay(realPayment('citra@example.com', [{ title: 'Kelas VIP', uuid: 'p-vip', price: 188000 }]));
    const vip = await db()
      .selectFrom('orders')
      .select('id')
      .where('email', '=', 'citra@example.com')
      .executeTakeFirstOrThrow();
    const page = await admin.get(`/admin/pesanan/${vip.id}`);
    expect(page.body).toMatch(
      /<section id="order-refund"><details id="refund-\d+"><summary>Refund \/ batalkan<\/summary>/,
    );
    const res = await admin.post(
      `/admin/pesanan/${vip.id}/refund`,
      { alasan: 'Dana dikembalikan', yakin: 'ya' },
      { csrf: csrfOf(page.body) },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toContain(`/admin/pesanan/${vip.id}`);
    const after = await admin.get(`/admin/pesanan/${vip.id}`);
    expect(after.body).toContain('Dibatalkan');
    expect(after.body).toContain('Dana dikembalikan');
    expect(after.body).not.toContain('Refund dan cabut akses');
    const cancelled = await admin.get('/admin/pesanan?status=dibatalkan');
    expect(cancelled.body).toContain('citra@example.com');
    expect(cancelled.body).not.toContain('budi@example.com');
    const paid = await admin.get('/admin/pesanan?status=lunas');
    expect(paid.body).toContain('budi@example.com');
    expect(paid.body).not.toContain('citra@example.com');
    const revenue = await admin.get('/admin/pendapatan');
    expect(revenue.body).toMatch(/<b id="revenue-total">Rp\s50\.000<\/b>/);
    expect((await admin.get('/admin')).body).toMatch(/id="tile-revenue"[\s\S]*?<b>Rp\s50\.000<\/b>/);
    const csv = await admin.get('/admin/pesanan.csv');
    expect(csv.body).toContain('dibatalkan (refund)');
  });

  it('exports the filtered orders as CSV: UTF-8 with BOM, a header, formulas neutralised', async () => {
    const admin = await open();
    await pay(
      payment({
        email: 'budi@example.com',
        name: '=HYPERLINK("http://x")',
        items: [{ title: 'Kopi Gayo, 250 g', uuid: 'p-kopi', price: 85000 }],
        messageId: 'LYNK_1',
      }),
    );
    await pay(payment({ email: 'uji@example.com', items: [{ title: 'Uji', uuid: 'p-uji' }] }));
    const res = await admin.get('/admin/pesanan.csv?jenis=nyata');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="pesanan-2026-11-23\.csv"$/);
    const raw = res.rawPayload;
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = raw.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toBe('Order,Waktu,Nama,Email,HP,Produk,Total (Rp),Jenis,Status,Ref');
    expect(lines).toHaveLength(3); // header, one order, the final line break
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(lines[1]).toContain('"Kopi Gayo, 250 g",85000,nyata,lunas');
    expect(lines[1]).toContain('2026-11-23 12:00');
    const semicolon = await admin.get('/admin/pesanan.csv?pemisah=titik-koma');
    expect(semicolon.rawPayload.subarray(3).toString('utf8').split('\r\n')[0]).toBe(
      'Order;Waktu;Nama;Email;HP;Produk;Total (Rp);Jenis;Status;Ref',
    );
  });

  it('streams a large export in batches, every order once', async () => {
    const admin = await open();
    const now = world.runtime.now();
    const rows = Array.from({ length: 1234 }, (_, i) => ({
      order_no: `KEI-${String(i).padStart(6, '0')}`,
      transaction_no: `TRX-${i}`,
      provider: 'lynk' as const,
      external_ref: `ref-${i}`,
      email: `b${i}@example.com`,
      customer_name: `Pembeli ${i}`,
      phone: '',
      grand_total: 1000 + i,
      paid_at: null,
      created_at: now,
    }));
    for (let i = 0; i < rows.length; i += 200)
      await db()
        .insertInto('orders')
        .values(rows.slice(i, i + 200))
        .execute();
    const res = await admin.get('/admin/pesanan.csv');
    const lines = res.rawPayload.subarray(3).toString('utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(1235);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(1234);
  });

  it('revenue per day and per product counts only real sales of the last 30 days', async () => {
    await open();
    await pay(realPayment('lama@example.com', [{ title: 'E-book Ekspor', uuid: 'p-ebook', price: 999000 }]));
    world.runtime.advance(31 * 86_400_000);
    await pay(realPayment('budi@example.com', [{ title: 'E-book Ekspor', uuid: 'p-ebook', qty: 2, price: 50000 }]));
    world.runtime.advance(86_400_000);
    await pay(realPayment('citra@example.com', [{ title: 'Kelas VIP', uuid: 'p-vip', price: 188000 }]));
    await pay(payment({ email: 'uji@example.com', items: [{ title: 'Kelas VIP', uuid: 'p-vip', price: 500000 }] }));
    const admin = await signInAdmin(world); // a month later: a fresh session
    const res = await admin.get('/admin/pendapatan');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<b id="revenue-total">Rp\s288\.000<\/b>/);
    expect(res.body).toContain('<svg id="revenue-chart"');
    expect((res.body.match(/<rect /g) ?? []).length).toBe(30 + 2);
    expect(res.body).toMatch(
      /<tr><td[^>]*>Kelas VIP<\/td><td[^>]*class="num">1<\/td><td[^>]*class="num">Rp\s188\.000<\/td><\/tr>/,
    );
    expect(res.body).toMatch(
      /<tr><td[^>]*>E-book Ekspor<\/td><td[^>]*class="num">2<\/td><td[^>]*class="num">Rp\s100\.000<\/td><\/tr>/,
    );
    const overview = await admin.get('/admin');
    expect(overview.body).toMatch(/id="tile-revenue"[\s\S]*?<b>Rp\s188\.000<\/b>/);
  });

  it('the overview flags paid products without a rule until a rule exists, with a one-click rule', async () => {
    const admin = await open();
    for (const email of ['a@example.com', 'b@example.com', 'c@example.com'])
      await pay(realPayment(email, [{ title: 'Kelas Baru', uuid: 'p-baru' }]));
    await pay(payment({ email: 'uji@example.com', items: [{ title: 'Produk Uji Lain' }] }));
    const before = await admin.get('/admin');
    expect(before.body).toContain('3 pembayaran untuk produk tanpa aturan.');
    expect(before.body).not.toContain('Produk Uji Lain');
    const link = /<a href="(\/admin\/produk\?[^"]+)" class="make-rule">/.exec(before.body)?.[1] ?? '';
    expect(link.replaceAll('&amp;', '&')).toBe('/admin/produk?judul=Kelas+Baru&uuid=p-baru');
    const form = await admin.get(link.replaceAll('&amp;', '&'));
    expect(form.body).toMatch(
      /id="new-value" name="value" type="text" required maxlength="300" value="Kelas Baru" autofocus>/,
    );
    await db()
      .insertInto('product_rules')
      .values({
        match_uuid: null,
        match_title: 'kelas baru',
        action: 'member',
        max_devices: 1,
        validity_days: null,
        offline_grace_days: null,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    expect((await admin.get('/admin')).body).not.toContain('tanpa aturan');
  });

  it('Uji coba offers a license product, a test address and a price; what it sends is a test order, never revenue', async () => {
    const admin = await open({ MEMBER_PRODUCT_TITLES: 'Daftar Member KEI' });
    const page = await admin.get('/admin/uji-coba');
    expect(page.body).toContain('id="test-email" name="email" type="email" required value="pembeli.uji@example.com"');
    expect(page.body).toContain('id="test-title" name="title" type="text" required value="Produk Uji Lisensi"');
    expect(page.body).toContain('id="test-price" name="price" type="text" inputmode="numeric" value="72000"');
    expect(page.body).toContain('<code id="webhook-url">http://127.0.0.1:3000/webhook/lynk</code>');
    const sent = await admin.post(
      '/admin/uji-coba',
      // Written as an Indonesian would: the dot groups thousands.
      { email: 'pembeli.uji@example.com', title: 'Produk Uji Lisensi', qty: '2', price: '15.000' },
      { csrf: csrfOf(page.body) },
    );
    expect(sent.statusCode).toBe(200);
    const order = await db().selectFrom('orders').selectAll().executeTakeFirstOrThrow();
    expect(order).toMatchObject({ is_test: 1, grand_total: 30000, email: 'pembeli.uji@example.com' });
    expect(await db().selectFrom('licenses').select('id').execute()).toHaveLength(2);
    // The buyer gets an account to see the keys, never a membership.
    expect(
      await db().selectFrom('members').select('is_member').where('email', '=', 'pembeli.uji@example.com').execute(),
    ).toEqual([{ is_member: 0 }]);
    expect((await admin.get('/admin/pendapatan')).body).toMatch(/<b id="revenue-total">Rp\s0<\/b>/);
  });
});
