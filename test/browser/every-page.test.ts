import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAdmin, csrfOf, signInAdmin } from '../helpers/admin.js';
import { addMember, PASSWORD } from '../helpers/auth.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { seedUnknownTransaction } from '../helpers/hesda.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, devMailWorker } from '../helpers/world.js';

const WIDTHS = [390, 1280] as const;
const MEMBER = 'budi.santoso.dengan.alamat.panjang@contoh-toko-digital.example';
const RENEWING = 'ganti.sandi@example.com';

/**
 * GET routes that are not pages a person reads: JSON, streams, files, redirects, metrics. Every other
 * GET route must be visited below, so a new page cannot escape the phone check.
 */
const NOT_PAGES = new Set([
  '/.well-known/gerbang-license-keys.json',
  '/api/admin/ppob/transactions',
  '/api/realtime/attendance-stream',
  '/api/realtime/stream',
  '/api/session',
  '/assets/gerbang.css',
  '/assets/login.js',
  '/assets/member.js',
  '/assets/copy.js',
  '/assets/brand.css',
  '/assets/logo',
  '/assets/favicon.svg',
  '/healthz',
  '/readyz',
  '/metrics',
  '/logout',
  '/admin/pesanan.csv',
  '/admin/member/:id/ekspor',
  '/member/konten/:item/unduh',
]);

/**
 * Every page at a phone's 390 px and a desktop's 1280 px: nothing may be wider than the viewport
 * (document.documentElement.scrollWidth), and each page is saved as a screenshot to look at.
 */
describe('every page fits a phone and a desktop', () => {
  let world: World;
  let browser: Browser;
  let base: string;
  const ids: Record<string, number> = {};
  const visited = new Set<string>();
  const tooWide: string[] = [];

  beforeAll(async () => {
    world = await createWorld('sqlite', { MEMBER_PRODUCT_TITLES: 'Daftar Member KEI', MAX_DEVICES_PER_MEMBER: '4' });
    base = await world.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  /** Opens `path` (its route pattern `route`), measures it and saves its screenshot. */
  const check = async (page: Page, route: string, path: string, name: string) => {
    const response = await page.goto(`${base}${path}`);
    expect(response?.status(), `${path}`).toBeLessThan(500);
    await page.waitForLoadState('load');
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    const width = page.viewportSize()?.width ?? 0;
    if (scrollWidth > innerWidth) tooWide.push(`${path} at ${width} px: ${scrollWidth} > ${innerWidth}`);
    await screenshot(page, `every-page/${name}-${width}`);
    visited.add(route);
  };

  /** Both widths at once, each in its own browser context: most of a page check is waiting. */
  const eachWidth = async (run: (width: number) => Promise<void>) => {
    await Promise.all(WIDTHS.map(run));
  };

  const contextAt = (width: number) =>
    browser.newContext({ viewport: { width, height: 844 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta' });

  const login = async (page: Page, email: string) => {
    await page.goto(`${base}/login`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('#formLogin button[type=submit]');
    await page.waitForLoadState('load');
  };

  it('the first-run page, before any admin exists', async () => {
    await eachWidth(async (width) => {
      const context = await contextAt(width);
      await check(await context.newPage(), '/setup', '/setup', 'setup');
      await context.close();
    });
  });

  it('seeds a shop with something on every page', async () => {
    await addAdmin(world);
    const admin = await signInAdmin(world);
    const form = await admin.get('/admin/webhook-keluar');
    const added = await admin.post(
      '/admin/webhook-keluar',
      { url: 'https://sistem-toko.example/gerbang/webhook/penerima-event-yang-panjang', description: 'Sistem toko' },
      { csrf: csrfOf(form.body) },
    );
    expect(added.statusCode).toBe(303);
    const store = await admin.post(
      '/admin/toko',
      {
        storeName: 'Toko Kursus Ekspor dan Bisnis Digital Nusantara Jaya',
        primaryColor: '#0f7b5f',
        mailFromName: 'Toko Kursus',
        replyTo: 'halo@toko.example',
        footerText: 'WhatsApp 0812-3456-7890 (Senin–Jumat, 09.00–17.00 WIB) · halo@toko.example',
      },
      { csrf: csrfOf(form.body) },
    );
    expect(store.statusCode).toBe(303);
    await addMember(world, MEMBER, { name: 'Budi Santoso Wirajaya Kusumanegara' });
    await addMember(world, RENEWING, { name: 'Ganti Sandi' });
    await world.database.db
      .updateTable('members')
      .set({ password_change_required: 1 })
      .where('email', '=', RENEWING)
      .execute();
    const paid = await postLynk(
      world.app,
      payment({
        email: MEMBER,
        name: 'Budi Santoso Wirajaya Kusumanegara',
        items: [
          {
            title: 'Kelas Ekspor Lengkap untuk Pemula sampai Mahir (Angkatan 2026)',
            uuid: 'k1',
            qty: 2,
            price: 1250000,
          },
          { title: 'Daftar Member KEI', uuid: 'm1', price: 288000 },
        ],
        messageId: 'LYNK_REAL_1',
      }),
    );
    expect(paid.json().outcome).toBe('processed');
    await postLynk(world.app, payment({ email: 'uji@example.com', items: [{ title: 'Produk Baru Tanpa Aturan' }] }));
    await devMailWorker(world).drain();
    const db = world.database.db;
    const first = async (table: 'orders' | 'licenses' | 'members' | 'mail_outbox' | 'webhook_events') =>
      (await db.selectFrom(table).select('id').orderBy('id').executeTakeFirstOrThrow()).id;
    ids.order = await first('orders');
    ids.license = await first('licenses');
    ids.mail = await first('mail_outbox');
    ids.event = await first('webhook_events');
    ids.member = (await db.selectFrom('members').select('id').where('email', '=', MEMBER).executeTakeFirstOrThrow()).id;
    ids.ppob = (await seedUnknownTransaction(world)).id;
    ids.endpoint = (await db.selectFrom('webhook_endpoints').select('id').executeTakeFirstOrThrow()).id;
    ids.delivery = (await db.selectFrom('webhook_deliveries').select('id').executeTakeFirstOrThrow()).id;
    const now = world.runtime.now();
    const product = await db
      .insertInto('content_products')
      .values({ match_uuid: 'k1', match_title: null, name: 'Kelas Ekspor', created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.content = product.id;
    await db
      .insertInto('content_items')
      .values([
        {
          product_id: product.id,
          position: 1,
          kind: 'text',
          title: 'Selamat datang',
          url: null,
          source_url: null,
          body: '# Halo\n\nBaca ini dulu: https://contoh.example/sebuah/alamat/yang/sangat/panjang/sekali/tanpa/spasi',
          file_id: null,
          created_at: now,
          updated_at: now,
        },
        {
          product_id: product.id,
          position: 2,
          kind: 'link',
          title: 'Grup diskusi',
          url: 'https://contoh.example/grup',
          source_url: null,
          body: null,
          file_id: null,
          created_at: now,
          updated_at: now,
        },
      ])
      .execute();
  });

  it('admin pages', async () => {
    const pages: [string, string][] = [
      ['/admin', '/admin'],
      ['/admin/pesanan', '/admin/pesanan'],
      ['/admin/pesanan/:id', `/admin/pesanan/${ids.order}`],
      ['/admin/pendapatan', '/admin/pendapatan'],
      ['/admin/member', '/admin/member'],
      ['/admin/member/:id', `/admin/member/${ids.member}`],
      ['/admin/lisensi', '/admin/lisensi'],
      ['/admin/lisensi/:id', `/admin/lisensi/${ids.license}`],
      ['/admin/ppob', '/admin/ppob'],
      ['/admin/ppob/:id', `/admin/ppob/${ids.ppob}`],
      ['/admin/webhook', '/admin/webhook'],
      ['/admin/webhook/:id', `/admin/webhook/${ids.event}`],
      ['/admin/webhook-keluar', '/admin/webhook-keluar'],
      ['/admin/webhook-keluar/:id', `/admin/webhook-keluar/${ids.endpoint}`],
      ['/admin/webhook-keluar/pengiriman/:id', `/admin/webhook-keluar/pengiriman/${ids.delivery}`],
      ['/admin/email', '/admin/email'],
      ['/admin/email/:id', `/admin/email/${ids.mail}`],
      ['/admin/email/:id/isi', `/admin/email/${ids.mail}/isi`],
      ['/admin/produk', '/admin/produk'],
      ['/admin/berbagi', '/admin/berbagi'],
      ['/admin/berbagi/member/:id', `/admin/berbagi/member/${ids.member}`],
      ['/admin/produk/konten/:id', `/admin/produk/konten/${ids.content}`],
      ['/admin/toko', '/admin/toko'],
      ['/admin/uji-coba', '/admin/uji-coba'],
      ['/admin/audit', '/admin/audit'],
      ['/admin/token', '/admin/token'],
      ['/admin/kunci-webhook', '/admin/kunci-webhook'],
    ];
    await eachWidth(async (width) => {
      const context = await contextAt(width);
      const page = await context.newPage();
      await login(page, 'admin@toko.example');
      expect(new URL(page.url()).pathname).toBe('/admin');
      for (const [route, path] of pages) await check(page, route, path, path.slice(1).replaceAll('/', '_'));
      await context.close();
    });
  }, 120_000);

  it('member and public pages', async () => {
    await eachWidth(async (width) => {
      const context = await contextAt(width);
      const page = await context.newPage();
      await check(page, '/', '/', 'home');
      await check(page, '/login', '/login', 'login');
      await check(page, '/login/tautan', '/login/tautan?token=tidak-berlaku', 'login-link');
      await check(page, '/akun/atur-sandi', '/akun/atur-sandi?token=tidak-berlaku', 'set-password');
      await check(page, '/login/lupa-sandi', '/login/lupa-sandi', 'forgot-password');
      await check(page, '/login/tautan/kirim', '/login/tautan/kirim', 'login-link-request');
      await check(page, '/akun/email/konfirmasi', '/akun/email/konfirmasi?token=tidak-berlaku', 'confirm-email');
      await check(page, '/reset-pelepasan', '/reset-pelepasan?token=tidak-berlaku', 'confirm-release-reset');
      await login(page, MEMBER);
      expect(new URL(page.url()).pathname).toBe('/member');
      for (const [route, path] of [
        ['/member', '/member'],
        ['/member/produk', '/member/produk'],
        ['/member/produk/:licenseId', `/member/produk/${ids.license}`],
        ['/member/lisensi', '/member/lisensi'],
        ['/member/transaksi', '/member/transaksi'],
        ['/member/video', '/member/video'],
        ['/member/perangkat', '/member/perangkat'],
        ['/akun', '/akun'],
        ['/akun/sandi', '/akun/sandi'],
      ] as const)
        await check(page, route, path, path.slice(1).replaceAll('/', '_'));
      await context.close();
      const renewing = await contextAt(width);
      const renewPage = await renewing.newPage();
      await login(renewPage, RENEWING);
      await check(renewPage, '/akun/sandi-baru', '/akun/sandi-baru', 'new-password');
      await renewing.close();
    });
  }, 120_000);

  it('no page is wider than the viewport, and no page was left out', () => {
    expect(tooWide).toEqual([]);
    const routes = world.app.routeTable.filter((r) => r.method === 'GET').map((r) => r.url);
    expect(routes.filter((r) => !visited.has(r) && !NOT_PAGES.has(r)).sort()).toEqual([]);
  });
});
