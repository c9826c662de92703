import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_ENDED_MESSAGES } from '../../src/realtime/index.js';
import { addMember, PASSWORD } from '../helpers/auth.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { seedUnknownTransaction } from '../helpers/hesda.js';
import { licenseApi } from '../helpers/license-world.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, devMailWorker } from '../helpers/world.js';

const ADMIN_EMAIL = 'pemilik@toko.example';
const ADMIN_PASSWORD = 'teh manis di warung pojok';
const PHONE = { width: 390, height: 844 };

/**
 * The operator console in a real browser, in the order a seller meets it: first-run setup, login,
 * search, force logout reaching the member's open page, replay of a failed event, resend of a
 * mail. The tests share one server and run in order; every page gets a screenshot.
 */
describe('operator console in a real browser', () => {
  let world: World;
  let browser: Browser;
  let base: string;
  let adminContext: BrowserContext;
  let admin: Page;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    world = await createWorld('sqlite');
    base = await world.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await world?.close();
  });

  const device = async (viewport?: { width: number; height: number }) => {
    const context = await browser.newContext({
      locale: 'id-ID',
      timezoneId: 'Asia/Jakarta',
      ...(viewport ? { viewport } : {}),
    });
    contexts.push(context);
    return context;
  };
  const login = async (page: Page, email: string, password: string) => {
    await page.goto(`${base}/login`);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.click('#formLogin button[type=submit]');
    await page.waitForLoadState('load');
  };
  /** Opens a console page, checks its heading and saves a screenshot. */
  const visit = async (page: Page, path: string, heading: string | RegExp, shot: string) => {
    await page.goto(`${base}${path}`);
    expect(await page.locator('h1').first().textContent()).toMatch(heading);
    await screenshot(page, shot);
  };

  it('first run: / leads to the setup page, which creates the admin once', async () => {
    const context = await device();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/setup');
    await page.fill('#email', ADMIN_EMAIL);
    await page.fill('#password', 'admin12345678');
    await page.fill('#password_confirm', 'admin12345678');
    await page.click('#setup button[type=submit]');
    expect(await page.locator('#setup-error').textContent()).toContain('paling sering dipakai');
    await screenshot(page, 'admin-setup-weak-password');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.fill('#password_confirm', ADMIN_PASSWORD);
    await page.click('#setup button[type=submit]');
    // The new admin is signed in on the spot.
    await page.waitForURL(`${base}/admin`);

    const again = await page.goto(`${base}/setup`);
    expect(again?.status()).toBe(404);
    await page.goto(`${base}/`);
    expect(await page.locator('h1').textContent()).toBe('Gerbang'); // the store's name (default)
  });

  it('the admin logs in on the normal login page and lands on the overview', async () => {
    await addMember(world, 'wulan.sari@example.com', { name: 'Wulan Sari' });
    await addMember(world, 'budi@example.com', { name: 'Budi Santoso' });
    await postLynk(
      world.app,
      payment({
        email: 'budi@example.com',
        items: [{ title: 'Kelas Ekspor', uuid: 'k1', qty: 2 }],
        messageId: 'LYNK_1',
      }),
    );
    adminContext = await device();
    admin = await adminContext.newPage();
    await login(admin, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(new URL(admin.url()).pathname).toBe('/admin');
    expect(await admin.locator('#tile-payments b').textContent()).toBe('1');
    expect(await admin.locator('#tile-licenses b').textContent()).toBe('2');
    await screenshot(admin, 'admin-overview');
  });

  it('search finds a member by the start of the name and opens the detail', async () => {
    await admin.goto(`${base}/admin/member`);
    await admin.fill('#q', 'wulan');
    await admin.click('#search');
    await admin.waitForURL(/q=wulan/);
    const rows = admin.locator('#members tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('wulan.sari@example.com');
    await screenshot(admin, 'admin-member-search');
    await admin.click('#members a');
    expect(await admin.locator('#member-email').textContent()).toBe('wulan.sari@example.com');
  });

  it("force logout reaches the member's open page, which logs out live", async () => {
    const memberPage = await (await device()).newPage();
    await login(memberPage, 'wulan.sari@example.com', PASSWORD);
    expect(new URL(memberPage.url()).pathname).toBe('/member');
    await memberPage.waitForFunction(() => document.body.dataset.realtime === 'open', undefined, { timeout: 10_000 });

    await admin.reload();
    expect(await admin.locator('#sessions tbody tr').count()).toBe(1);
    await screenshot(admin, 'admin-member-detail');
    await admin.click('#force-logout');
    expect(await admin.locator('#flash').textContent()).toContain('Semua sesi member diakhiri');
    expect(await admin.locator('#sessions-empty').count()).toBe(1);

    const notice = memberPage.locator('#realtime-notice');
    await expect.poll(() => notice.isVisible(), { timeout: 5000 }).toBe(true);
    expect(await notice.textContent()).toBe(SESSION_ENDED_MESSAGES.admin);
    await screenshot(memberPage, 'member-logged-out-by-admin');
    await memberPage.waitForURL(/\/login\?alasan=admin/, { timeout: 5000 });
  });

  it('a failed Lynk event is replayed from the console', async () => {
    const failed = (
      await postLynk(world.app, payment({ email: '', items: [{ title: 'Kelas Ekspor', uuid: 'k1' }] }))
    ).json();
    expect(failed.outcome).toBe('failed');
    await admin.goto(`${base}/admin/webhook`);
    await admin.selectOption('#outcome', 'failed');
    await admin.click('#filter');
    await admin.waitForURL(/hasil=failed/);
    expect(await admin.locator('#events tbody tr').count()).toBe(1);
    await screenshot(admin, 'admin-webhooks-failed');
    await admin.click(`a[href="/admin/webhook/${failed.event_id}"]`);
    expect(await admin.locator('#raw-body').textContent()).toContain('"event": "payment.received"');
    await screenshot(admin, 'admin-webhook-detail');
    await admin.fill('#replay-email', 'pembeli.baru@example.com');
    await admin.click('#replay');
    expect(await admin.locator('#replay-result').textContent()).toContain('Diproses ulang: diproses');
    expect(await admin.locator('#event-outcome').textContent()).toBe('diproses');
    await screenshot(admin, 'admin-webhook-replayed');
  });

  it('a mail is resent and shown rendered in the dev mailbox', async () => {
    await admin.goto(`${base}/admin/member?q=budi`);
    await admin.click('#members a');
    await admin.click('#resend-registration');
    expect(await admin.locator('#flash').textContent()).toContain('diantrekan ulang');
    await devMailWorker(world).drain();
    await admin.goto(`${base}/admin/email?status=sent`);
    await screenshot(admin, 'admin-email-list');
    await admin.click('#outbox tbody tr:first-child a');
    expect(await admin.locator('h1').textContent()).toContain('Pendaftaran Member Berhasil');
    const frame = admin.frameLocator('#mail-frame');
    await expect.poll(() => frame.locator('body').textContent(), { timeout: 5000 }).toContain('Budi');
    await screenshot(admin, 'admin-email-detail');
  });

  it('every other page renders (screenshots for review)', async () => {
    const license = await world.database.db
      .selectFrom('licenses')
      .select(['id', 'license_key'])
      .executeTakeFirstOrThrow();
    const activated = await licenseApi(world, 'activate', {
      key: license.license_key,
      fingerprint: 'browser-test',
      name: 'Laptop kantor',
    });
    expect(activated.statusCode).toBe(201);
    await visit(admin, '/admin/lisensi', 'Lisensi', 'admin-licenses');
    await visit(admin, `/admin/lisensi/${license.id}`, /KEI-/, 'admin-license-detail');
    expect(await admin.locator('#activation-list tbody tr').count()).toBe(1);
    await admin.fill('#revoke-reason', 'refund');
    await admin.check('#revoke-confirm');
    await admin.click('#revoke-license');
    await admin.waitForLoadState('load');
    expect(await admin.locator('#flash').textContent()).toContain('Lisensi dicabut');
    await screenshot(admin, 'admin-license-revoked');
    const ppob = await seedUnknownTransaction(world, { last_error: 'timeout setelah 15 detik' });
    await visit(admin, '/admin/ppob?status=unknown', 'PPOB', 'admin-ppob');
    await visit(admin, `/admin/ppob/${ppob.id}`, `Transaksi #${ppob.id}`, 'admin-ppob-detail');
    await admin.check('#not-ordered-confirm');
    await admin.click('#resolve-none');
    await admin.waitForLoadState('load');
    expect(await admin.locator('#ppob-status').textContent()).toContain('gagal');
    await visit(admin, '/admin/produk', 'Produk', 'admin-products');
    await admin.fill('#new-value', 'Kelas Ekspor');
    await admin.fill('#new-devices', '3');
    await admin.click('#save-new');
    expect(await admin.locator('#rules tbody tr').count()).toBe(1);
    await screenshot(admin, 'admin-products-saved');
    await visit(admin, '/admin/uji-coba', 'Uji coba', 'admin-test-payment');
    await admin.fill('#test-title', 'Kelas Ekspor');
    await admin.click('#send-test');
    expect(await admin.locator('#test-result').textContent()).toContain('Pembayaran uji diterima server (HTTP 200)');
    await screenshot(admin, 'admin-test-payment-result');
    await visit(admin, '/admin/token', 'Token API', 'admin-tokens');
    await admin.fill('#token-name', 'skrip PPOB');
    await admin.click('#create-token');
    expect(await admin.locator('#new-token').textContent()).toMatch(/^gbt_/);
    await screenshot(admin, 'admin-token-created');
    await visit(admin, '/admin/audit', 'Audit', 'admin-audit');
    expect(await admin.locator('#audit tbody tr').count()).toBeGreaterThanOrEqual(6);
  });

  it('on a phone the console fits the width: the menu wraps, list tables become labelled cards', async () => {
    const phone = await (await device(PHONE)).newPage();
    await login(phone, ADMIN_EMAIL, ADMIN_PASSWORD);
    for (const [path, name] of [
      ['/admin', 'admin-phone-overview'],
      ['/admin/member?q=budi', 'admin-phone-members'],
      ['/admin/webhook', 'admin-phone-webhooks'],
      ['/admin/audit', 'admin-phone-audit'],
      ['/admin/ppob', 'admin-phone-ppob'],
    ] as const) {
      await phone.goto(`${base}${path}`);
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect([path, overflow]).toEqual([path, 0]);
      // Nothing hides sideways: not a menu item, not a table column (each cell shows its column's name).
      const hidden = await phone.evaluate(() => {
        const out: string[] = [];
        for (const el of document.querySelectorAll<HTMLElement>('nav.admin, .table-wrap'))
          if (el.scrollWidth > el.clientWidth) out.push(`${el.className} ${el.scrollWidth} > ${el.clientWidth}`);
        for (const td of document.querySelectorAll<HTMLElement>('table.cards-on-phone tbody td[data-label]')) {
          if (td.childNodes.length === 0) continue; // an empty cell is left out of the card
          const label = getComputedStyle(td, '::before').content;
          if (getComputedStyle(td).display !== 'block' || label !== `"${td.dataset.label}"`) out.push(`td ${label}`);
        }
        return out;
      });
      expect([path, hidden]).toEqual([path, []]);
      await screenshot(phone, name);
    }
    await phone.goto(`${base}/admin/member?q=budi`);
    expect(await phone.locator('#members tbody td[data-label="Nama"]').count()).toBeGreaterThan(0);
    const member = await world.database.db
      .selectFrom('members')
      .select('id')
      .where('email', '=', 'budi@example.com')
      .executeTakeFirstOrThrow();
    await phone.goto(`${base}/admin/member/${member.id}`);
    await screenshot(phone, 'admin-phone-member-detail');
  });
});
