import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addItem, createContent, pageTexts, samplePdf, uploadFile } from '../content/content-world.js';
import { addAdmin, signInAdmin } from '../helpers/admin.js';
import { addMember, PASSWORD } from '../helpers/auth.js';
import { DESKTOP, launchBrowser, PHONE, screenshot } from '../helpers/browser.js';
import { buyLicense, LICENSE_RULES } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

const TAKEOVER_TEXT = 'Lisensi ini sekarang digunakan di perangkat lain. Akses di perangkat ini ditutup.';
const SESSION_TAKEOVER_TEXT = 'Sesi Anda berakhir karena akun ini digunakan di perangkat lain';

/** A seller's own player: it posts the seed's VIDEO_READY to the page framing it once loaded. */
function startPlayer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>Pemutar</title><body style="margin:0;background:#111;color:#fff;font:16px sans-serif"><p id="player">Pemutar ${req.url}</p><script>parent.postMessage({ type: 'VIDEO_READY' }, '*');</script></body>`,
    );
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

/**
 * "Produk saya" and a product's content in Chromium, on a laptop (1280 px) and a phone (390 px):
 * the items, the players and their VIDEO_READY handshake, a stamped download, and the content
 * closing live when another device takes the license — or the account — over.
 */
describe('product content in a real browser, desktop and phone', () => {
  let world: World;
  let browser: Browser;
  let base: string;
  let player: { server: Server; origin: string };
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    player = await startPlayer();
    world = await createWorld('sqlite', { PRODUCT_RULES: LICENSE_RULES, MAX_DEVICES_PER_MEMBER: '2' });
    base = await world.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    await addAdmin(world);
    const admin = await signInAdmin(world);
    const course = await createContent(
      admin,
      { title: 'Ambil Alih' },
      'Kelas Ekspor untuk Pemula: dari Nol sampai Kontainer Pertama',
    );
    await addItem(admin, course, {
      kind: 'video',
      title: 'Pelajaran 1 · Mencari pembeli',
      url: `${player.origin}/embed/satu`,
    });
    await addItem(admin, course, {
      kind: 'video',
      title: 'Pelajaran 2 · Menghitung harga FOB',
      url: `${player.origin}/embed/dua`,
    });
    await uploadFile(
      world,
      admin,
      course,
      { filename: 'Panduan-Ekspor-Lengkap-2026-edisi-revisi.pdf', type: 'application/pdf', data: await samplePdf(3) },
      { title: 'E-book panduan' },
    );
    await addItem(admin, course, {
      kind: 'text',
      title: 'Catatan',
      body: '**Kerjakan tugas** setelah setiap pelajaran.\n\n- HS code: https://insw.go.id/intr/sektor-hscode-yang-sangat-panjang-sekali-tanpa-spasi\n- `Incoterms2020-FOB-CIF-EXW-DDP`\n\n<script>alert(1)</script>',
    });
    await addItem(admin, course, { kind: 'link', title: 'Grup diskusi Telegram', url: 'https://t.me/kelas_ekspor' });
    const membership = await createContent(admin, { title: 'Daftar Member KEI' }, 'Materi member KEI');
    await addItem(admin, membership, { kind: 'video', title: 'Sambutan', url: `${player.origin}/embed/sambutan` });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await world?.close();
    await new Promise((resolve) => player?.server.close(resolve));
  });

  const signedInPage = async (email: string, options: BrowserContextOptions): Promise<Page> => {
    const context = await browser.newContext({ locale: 'id-ID', timezoneId: 'Asia/Jakarta', ...options });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('#formLogin button[type=submit]');
    await page.waitForLoadState('load');
    if (await page.locator('#keep-here').count()) await page.click('#keep-here');
    await page.waitForURL(`${base}/member`);
    return page;
  };
  const monitoring = (page: Page) =>
    page.waitForFunction(() => ['open', 'following'].includes(document.body.dataset.realtime ?? ''), undefined, {
      timeout: 10_000,
    });
  /** No horizontal scrolling: the page is as wide as the viewport. */
  const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  it('Produk saya → open the product: videos say VIDEO_READY, the PDF comes stamped; a takeover on the phone closes it live', async () => {
    await addMember(world, 'budi@example.com', { name: 'Budi Santoso' });
    const license = await buyLicense(world, 'Ambil Alih', 'budi@example.com');
    const laptop = await signedInPage('budi@example.com', DESKTOP);
    await laptop.click('nav.member a[href="/member/produk"]');
    await laptop.waitForSelector('#my-products');
    expect(await laptop.locator(`li[data-license-id="${license.id}"]`).textContent()).toContain('5 materi');
    await screenshot(laptop, 'content-produk-saya-desktop');
    await laptop.click(`li[data-license-id="${license.id}"] a.button-link`);
    await laptop.click('#open-product button');
    await laptop.waitForSelector('#product-content .content-items');
    await monitoring(laptop);
    // The seller's players load and answer the handshake; the monitor never waited for them.
    const frames = laptop.locator('iframe.content-player');
    expect(await frames.count()).toBe(2);
    await laptop.waitForFunction(() => !document.body.classList.contains('video-render'), undefined, {
      timeout: 10_000,
    });
    expect(await frames.evaluateAll((list) => list.map((f) => (f as HTMLIFrameElement).dataset.ready))).toEqual([
      'true',
      'true',
    ]);
    expect(await laptop.frameLocator('#videoFrame').locator('#player').textContent()).toBe('Pemutar /embed/satu');
    // The Markdown is rendered, its raw HTML is text.
    expect(await laptop.locator('.content-text strong').textContent()).toBe('Kerjakan tugas');
    expect(await laptop.locator('.content-text').textContent()).toContain('<script>alert(1)</script>');
    expect(await fitsWidth(laptop)).toBe(true);
    await screenshot(laptop, 'content-product-desktop');

    const download = laptop.waitForEvent('download');
    await laptop.click('a.file-link');
    const file = await download;
    expect(file.suggestedFilename()).toBe('Panduan-Ekspor-Lengkap-2026-edisi-revisi.pdf');
    const path = await file.path();
    for (const text of await pageTexts(readFileSync(path)))
      expect(text).toContain('Dibeli oleh Budi Santoso <budi@example.com>');

    const phone = await signedInPage('budi@example.com', PHONE);
    await phone.goto(`${base}/member/produk`);
    expect(await fitsWidth(phone)).toBe(true);
    await screenshot(phone, 'content-produk-saya-phone');
    await phone.goto(`${base}/member/produk/${license.id}`);
    await phone.click('#open-product button');
    await phone.waitForSelector('#product-content .content-items');
    await monitoring(phone);
    await laptop.waitForFunction(() => document.body.dataset.product === 'closed', undefined, { timeout: 10_000 });
    expect(await laptop.locator('#product-content').count()).toBe(0);
    expect(await laptop.locator('iframe').count()).toBe(0);
    expect(await laptop.locator('#product-closed').textContent()).toBe(TAKEOVER_TEXT);
    await screenshot(laptop, 'content-product-closed-desktop');

    await phone.waitForFunction(() => !document.body.classList.contains('video-render'), undefined, {
      timeout: 10_000,
    });
    expect(await fitsWidth(phone)).toBe(true);
    await screenshot(phone, 'content-product-phone');
  }, 120_000);

  it('members’ content on the phone closes the moment the account is taken over elsewhere', async () => {
    await addMember(world, 'ani@example.com', { name: 'Ani' });
    const phone = await signedInPage('ani@example.com', PHONE);
    await phone.goto(`${base}/member/produk`);
    await phone.click('#membership-card a.button-link');
    await phone.waitForSelector('#product-content iframe#videoFrame');
    await monitoring(phone);
    expect(await fitsWidth(phone)).toBe(true);
    await screenshot(phone, 'content-member-video-phone');

    // Two devices may be signed in here: a second browser is let in, a third takes over from the
    // least recently seen one — the phone, signed in first (the world's clock is the test's to move).
    world.runtime.advance(60_000);
    await signedInPage('ani@example.com', DESKTOP);
    world.runtime.advance(60_000);
    await signedInPage('ani@example.com', DESKTOP);
    await phone.waitForFunction(() => document.getElementById('product-content') === null, undefined, {
      timeout: 10_000,
    });
    expect(await phone.locator('#realtime-notice').textContent()).toBe(SESSION_TAKEOVER_TEXT);
    expect(await phone.locator('iframe').count()).toBe(0);
    await screenshot(phone, 'content-member-video-closed-phone');
  }, 60_000);

  it('a license reaching its end closes the open page by itself, no event needed', async () => {
    await addMember(world, 'citra@example.com');
    const license = await buyLicense(world, 'Setahun', 'citra@example.com');
    const admin = await signInAdmin(world);
    const yearly = await createContent(admin, { title: 'Setahun' });
    await addItem(admin, yearly, { kind: 'video', title: 'Kelas', url: `${player.origin}/embed/tahunan` });
    const page = await signedInPage('citra@example.com', PHONE);
    await page.goto(`${base}/member/produk/${license.id}`);
    await page.click('#open-product button');
    await page.waitForSelector('#product-content iframe');
    // Two seconds left on the server's clock when the page is served.
    await world.database.db
      .updateTable('licenses')
      .set({ expires_at: world.runtime.now() + 2000 })
      .where('id', '=', license.id)
      .execute();
    await page.reload();
    await page.waitForSelector('#product-content iframe');
    expect(await page.evaluate(() => document.body.dataset.expiresIn)).toBe('2000');
    await page.waitForFunction(() => document.body.dataset.product === 'closed', undefined, { timeout: 10_000 });
    expect(await page.locator('iframe').count()).toBe(0);
    expect(await page.locator('#product-closed').textContent()).toBe(
      'Masa berlaku lisensi ini sudah habis. Akses ke produk ditutup.',
    );
    expect(await page.locator('#product-reopen').isVisible()).toBe(false);
  });

  it('the console’s content editor fits a phone and a desktop', async () => {
    const admin = await signInAdminPage();
    for (const [name, size] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      await admin.setViewportSize(size);
      await admin.goto(`${base}/admin/produk/konten/1`);
      expect(await admin.locator('#content-items li').count()).toBe(5);
      await admin.locator('details').evaluateAll((list) => {
        for (const d of list) (d as HTMLDetailsElement).open = true;
      });
      expect([name, await fitsWidth(admin)]).toEqual([name, true]);
      await screenshot(admin, `content-editor-${name}`);
      await admin.goto(`${base}/admin/produk`);
      expect([name, await fitsWidth(admin)]).toEqual([name, true]);
      await screenshot(admin, `content-produk-console-${name}`);
    }
  });

  it('an upload on a phone shows its progress, cannot be sent twice, and lands on the list with its message', async () => {
    const admin = await signInAdminPage();
    await admin.setViewportSize({ width: 390, height: 844 });
    await admin.goto(`${base}/admin/produk/konten/1`);
    const before = await admin.locator('#content-items li').count();
    await admin.locator('#add-file').evaluate((form) => {
      (form.closest('details') as HTMLDetailsElement).open = true;
    });
    await admin.fill('#file-title', 'Lembar kerja');
    await admin.setInputFiles('#file-input', {
      name: 'lembar-kerja.bin',
      mimeType: 'application/octet-stream',
      buffer: Buffer.alloc(3 * 1024 * 1024, 7),
    });
    // The server's answer is held until the page has been looked at mid-upload.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let posts = 0;
    await admin.route('**/admin/produk/konten/1/berkas', async (route) => {
      posts += 1;
      await held;
      await route.continue();
    });
    await admin.click('#add-file button[type=submit]');
    await admin.waitForSelector('#add-file progress.upload-progress');
    expect(await admin.locator('#add-file button[type=submit]').isDisabled()).toBe(true);
    expect(await admin.locator('#add-file .upload-status').textContent()).toMatch(/Mengunggah… \d+%|Terunggah/);
    await admin.locator('#add-file button[type=submit]').click({ force: true });
    await screenshot(admin, 'content-upload-progress-phone');
    release();
    await admin.waitForURL(/pesan=berkas-diunggah/);
    expect(await admin.locator('#flash').textContent()).toBe('Berkas diunggah.');
    expect(await admin.locator('#content-items li').count()).toBe(before + 1);
    expect(posts).toBe(1);
    await admin.unroute('**/admin/produk/konten/1/berkas');

    // A file over the limit is refused before a byte is sent (the logo: a few hundred KB at most).
    await admin.goto(`${base}/admin/toko`);
    let logoPosts = 0;
    await admin.route('**/admin/toko/logo', async (route) => {
      logoPosts += 1;
      await route.continue();
    });
    await admin.setInputFiles('#logo-file', {
      name: 'logo-besar.png',
      mimeType: 'image/png',
      buffer: Buffer.alloc(5 * 1024 * 1024, 1),
    });
    await admin.click('#upload-logo');
    expect(await admin.locator('#logo-form .upload-status').textContent()).toMatch(
      /^Berkas "logo-besar\.png" terlalu besar: paling besar \d+ KB\.$/,
    );
    expect(await admin.locator('#upload-logo').isDisabled()).toBe(false);
    expect(logoPosts).toBe(0);
    expect(await fitsWidth(admin)).toBe(true);
    await screenshot(admin, 'store-logo-too-large-phone');
  });

  async function signInAdminPage(): Promise<Page> {
    const context = await browser.newContext({ locale: 'id-ID', timezoneId: 'Asia/Jakarta' });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill('#email', 'admin@toko.example');
    await page.fill('#password', PASSWORD);
    await page.click('#formLogin button[type=submit]');
    await page.waitForURL(`${base}/admin`);
    return page;
  }
});
