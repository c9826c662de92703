import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_HASH_QUEUE_PER_SLOT, passwordHashing } from '../../src/members/index.js';
import { ADMIN, addAdmin } from '../helpers/admin.js';
import { addMember, holdPasswordHashing, PASSWORD } from '../helpers/auth.js';
import { DESKTOP, launchBrowser, PHONE, screenshot } from '../helpers/browser.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, devMailWorker } from '../helpers/world.js';

const DAY = 86_400_000;
const NEW_PASSWORD = 'teh manis di warung pojok';
const RULES = JSON.stringify([
  { title: 'Member Bulanan', action: 'member', validityDays: 30, renewUrl: 'https://lynk.id/toko/bulanan' },
  { title: 'Aplikasi Kasir', action: 'license', maxDevices: 2 },
]);

const SIZES = [
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const;

/**
 * The account flows in Chromium, on a laptop (1280 px) and a phone (390 px): forgot password,
 * a buyer of licenses signing in by link to "Lisensi saya", back to the page asked for, Akun
 * saya, an ended membership's renewal page, and a refund closing the member's open page live.
 */
describe('members and buyers help themselves, in a real browser', () => {
  let world: World;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    world = await createWorld('sqlite', { PRODUCT_RULES: RULES, MAX_DEVICES_PER_MEMBER: '3' });
    base = await world.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    await addAdmin(world);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await world?.close();
  });

  const newPage = async (options: BrowserContextOptions): Promise<Page> => {
    const context = await browser.newContext({ locale: 'id-ID', timezoneId: 'Asia/Jakarta', ...options });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    contexts.push(context);
    return context.newPage();
  };
  /** No horizontal scrolling: the page is as wide as the viewport. */
  const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  const look = async (page: Page, name: string) => {
    expect(await fitsWidth(page), name).toBe(true);
    await screenshot(page, name);
  };
  /** Delivers the outbox and returns the path of the newest link of `path` mailed to `email`. */
  const mailedLink = async (email: string, path: string): Promise<string> => {
    await devMailWorker(world).drain();
    const mails = await world.database.db
      .selectFrom('mail_outbox')
      .select('text_body')
      .where('to_address', '=', email)
      .orderBy('id', 'desc')
      .execute();
    for (const mail of mails) {
      const match = new RegExp(`${path.replaceAll('/', '\\/')}\\?token=[A-Za-z0-9_-]+`).exec(mail.text_body ?? '');
      if (match) return match[0];
    }
    throw new Error(`no ${path} link mailed to ${email}`);
  };
  /** "Kirim tautan masuk ke email saya", then the mailed link: signed in at /member. */
  const signInByLink = async (page: Page, email: string) => {
    await page.goto(`${base}/login/tautan`);
    await page.fill('#email', email);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/login?alasan=tautan`);
    await page.goto(`${base}${await mailedLink(email, '/login/tautan')}`);
    await page.click('#use-link');
    await page.waitForURL(`${base}/member`);
  };
  const monitoring = (page: Page) =>
    page.waitForFunction(() => ['open', 'following'].includes(document.body.dataset.realtime ?? ''), undefined, {
      timeout: 10_000,
    });

  for (const [size, options] of SIZES) {
    it(`Lupa kata sandi? → emailed link → new password → signed in (${size})`, async () => {
      const email = `lupa-${size}@example.com`;
      await addMember(world, email, { name: 'Ani' });
      const page = await newPage(options);
      await page.goto(`${base}/login`);
      await look(page, `login-${size}`);
      await page.click('#forgot-password');
      expect(await page.locator('h1').textContent()).toBe('Lupa kata sandi');
      await look(page, `forgot-password-${size}`);
      await page.fill('#email', email);
      await page.click('button[type=submit]');
      await page.waitForURL(`${base}/login?alasan=lupa_sandi`);
      expect(await page.locator('#login-message').textContent()).toContain('tautan untuk membuat kata sandi baru');

      await page.goto(`${base}${await mailedLink(email, '/akun/atur-sandi')}`);
      await page.fill('#password', 'password123');
      await page.fill('#password_confirm', 'password123');
      await page.click('#save-password');
      await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('paling sering dipakai');
      await look(page, `set-password-weak-${size}`);
      await page.fill('#password', NEW_PASSWORD);
      await page.fill('#password_confirm', NEW_PASSWORD);
      await page.click('#save-password');
      await page.waitForURL(`${base}/member?sandi=baru`);
      expect(await page.locator('#password-saved').isVisible()).toBe(true);
      await look(page, `member-home-new-password-${size}`);
    });

    it(`a buyer of licenses signs in by link and finds both purchases in Lisensi saya, keys copied (${size})`, async () => {
      const email = `kasir-${size}@example.com`;
      await postLynk(world.app, payment({ email, name: 'Budi', items: [{ title: 'Aplikasi Kasir', uuid: 'kasir' }] }));
      world.runtime.advance(60_000);
      await postLynk(world.app, payment({ email, name: 'Budi', items: [{ title: 'Aplikasi Kasir', uuid: 'kasir' }] }));
      const page = await newPage(options);
      // Asked for Lisensi saya without a session: after the link, back there.
      await page.goto(`${base}/member/lisensi`);
      expect(new URL(page.url()).searchParams.get('lanjut')).toBe('/member/lisensi');
      await signInByLink(page, email);
      expect(await page.locator('#purchases .product-card').count()).toBe(2);
      await look(page, `buyer-home-${size}`);
      await page.goto(`${base}/member/lisensi`);
      const cards = page.locator('#licenses .license-card');
      expect(await cards.count()).toBe(2);
      const key = await cards.first().locator('code').textContent();
      await cards.first().locator('button.copy').click();
      await expect.poll(() => cards.first().locator('button.copy').textContent()).toBe('Tersalin');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
      await look(page, `lisensi-saya-${size}`);
    });

    it(`back to the page asked for after a password login; Akun saya fits (${size})`, async () => {
      const email = `kembali-${size}@example.com`;
      await addMember(world, email);
      const page = await newPage(options);
      await page.goto(`${base}/akun`);
      await page.fill('#email', email);
      await page.fill('#password', PASSWORD);
      await page.click('#formLogin button[type=submit]');
      await page.waitForURL(`${base}/akun`);
      expect(await page.locator('#account-email').textContent()).toBe(email);
      await look(page, `akun-saya-${size}`);
      await page.fill('#current', PASSWORD);
      await page.fill('#password', NEW_PASSWORD);
      await page.fill('#password_confirm', NEW_PASSWORD);
      await page.click('#save-password');
      await page.waitForURL(`${base}/akun?selesai=sandi`);
      expect(await page.locator('#account-notice').textContent()).toContain('Kata sandi baru tersimpan');
    });
  }

  it('a login during a login flood: the page says the server is busy, keeps the email, fits (desktop and phone)', async () => {
    const email = 'banjir-login@example.com';
    await addMember(world, email);
    for (const [size, options] of SIZES) {
      const page = await newPage(options);
      await page.goto(`${base}/login`);
      await page.fill('#email', email);
      await page.fill('#password', PASSWORD);
      const hashing = holdPasswordHashing(passwordHashing.size * LOGIN_HASH_QUEUE_PER_SLOT);
      try {
        await page.click('#formLogin button[type=submit]');
        await expect
          .poll(() => page.locator('#login-message').textContent())
          .toBe('Server sedang sibuk melayani banyak login. Coba masuk lagi sebentar lagi.');
        expect(await page.inputValue('#email')).toBe(email);
        await look(page, `login-sibuk-${size}`);
      } finally {
        await hashing.release();
      }
      // Once the queue drained, the same form signs in.
      await page.fill('#password', PASSWORD);
      await page.click('#formLogin button[type=submit]');
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    }
  });

  it('an ended membership sees the renewal page (desktop and phone)', async () => {
    const email = 'habis@example.com';
    await postLynk(world.app, payment({ email, items: [{ title: 'Member Bulanan', uuid: 'bulanan' }] }));
    world.runtime.advance(31 * DAY);
    for (const [size, options] of SIZES) {
      const page = await newPage(options);
      await signInByLink(page, email);
      expect(await page.locator('#membership-status').textContent()).toContain('berakhir pada');
      await page.goto(`${base}/member/video`);
      expect(await page.locator('h1').textContent()).toBe('Perpanjang member');
      expect(await page.locator('#renew-link').getAttribute('href')).toBe('https://lynk.id/toko/bulanan');
      await look(page, `renewal-${size}`);
      world.runtime.advance(60_000);
    }
  });

  it('Refund / batalkan on the console closes the member’s open member page live', async () => {
    const email = 'refund@example.com';
    await postLynk(world.app, payment({ email, items: [{ title: 'Member Bulanan', uuid: 'bulanan' }] }));
    const member = await newPage(PHONE);
    await signInByLink(member, email);
    await member.goto(`${base}/member/video`);
    expect(await member.locator('#product-content').count()).toBe(1);
    await monitoring(member);

    const memberId = (
      await world.database.db.selectFrom('members').select('id').where('email', '=', email).executeTakeFirstOrThrow()
    ).id;
    for (const [size, options] of SIZES) {
      const admin = await newPage(options);
      await admin.goto(`${base}/admin/member/${memberId}`);
      if (new URL(admin.url()).pathname === '/login') {
        await admin.fill('#email', ADMIN);
        await admin.fill('#password', PASSWORD);
        await admin.click('#formLogin button[type=submit]');
        await admin.waitForURL(`${base}/admin/member/${memberId}`);
      }
      await admin.locator('#orders details summary').first().click();
      await look(admin, `admin-member-orders-${size}`);
      if (size === 'phone') {
        await admin.locator('#orders textarea').first().fill('Pembeli minta batal');
        await admin.locator('#orders input[type=checkbox]').first().check();
        await admin.locator('#orders button.danger').first().click();
        await admin.waitForURL(`${base}/admin/member/${memberId}?pesan=refund`);
        expect(await admin.locator('#flash').textContent()).toContain('Pesanan dibatalkan');
        await look(admin, `admin-member-refunded-${size}`);
      }
    }
    await member.waitForFunction(() => document.body.dataset.membership === 'closed', undefined, { timeout: 10_000 });
    expect(await member.locator('#product-content').count()).toBe(0);
    expect(await member.locator('#product-closed').textContent()).toContain('dicabut karena pesanan dibatalkan');
    await look(member, 'member-page-closed-by-refund-phone');
  });
});
