import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addAdmin } from '../helpers/admin.js';
import { addMember, PASSWORD } from '../helpers/auth.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { buyLicense, LICENSE_RULES, licenseApi } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

const WIDTHS = [1280, 390] as const;

describe('fair device rules in a real browser', () => {
  let world: World;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    world = await createWorld('sqlite', {
      TAKEOVER_LIMIT: '1',
      MAX_DEVICES_PER_MEMBER: '2',
      SELLER_CONTACT: 'WhatsApp 0812-0000-1111',
      PRODUCT_RULES: LICENSE_RULES,
      LICENSE_MAX_TRANSFERS: '1',
    });
    base = await world.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => {});
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  /** A browser context is a device: its own cookies. */
  const device = async (width: number): Promise<Page> => {
    const context = await browser.newContext({
      locale: 'id-ID',
      timezoneId: 'Asia/Jakarta',
      viewport: { width, height: 800 },
      userAgent: `Mozilla/5.0 (X11; Linux x86_64; rv:${120 + contexts.length}.0) Gecko/20100101 Firefox/${120 + contexts.length}.0`,
    });
    contexts.push(context);
    return context.newPage();
  };
  const login = async (page: Page, email: string) => {
    await page.goto(`${base}/login`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('#formLogin button[type=submit]');
    await page.waitForLoadState('load');
  };
  const fits = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  for (const width of WIDTHS) {
    it(`refuses the takeover past the limit and lets the member end another session (${width} px)`, async () => {
      const email = `ani-${width}@example.com`;
      await addMember(world, email);
      const [a, b, c] = [await device(width), await device(width), await device(width)];
      await login(a, email);
      world.runtime.advance(60_000);
      await login(b, email);
      world.runtime.advance(60_000);
      // c meets the dialog and takes over (the one takeover the limit allows); a, seen least lately, ends.
      await login(c, email);
      await c.click('#keep-here');
      await c.waitForURL(`${base}/member`);
      await login(a, email);
      await expect.poll(() => a.isVisible('#alert-modal')).toBe(true);
      await a.click('#keep-here');
      await a.waitForLoadState('load');
      const message = await a.textContent('#login-message');
      expect(message).toContain('sudah 1 kali dipindahkan');
      expect(message).toContain('Bisa lagi mulai');
      expect(message).toContain('WhatsApp 0812-0000-1111');
      expect(await fits(a)).toBe(true);
      await screenshot(a, `takeover-limited-${width}`);

      // On c (signed in): Perangkat saya; b still holds a session and is ended from here, live.
      await b.goto(`${base}/member`);
      await c.goto(`${base}/member/perangkat`);
      expect(await c.locator('#own-devices li').count()).toBe(3);
      expect(await fits(c)).toBe(true);
      await screenshot(c, `perangkat-saya-${width}`);
      await c.click('#own-devices button.release');
      await c.waitForURL(/diakhiri=1/);
      expect(await c.textContent('#end-notice')).toContain('sudah diakhiri');
      await expect
        .poll(() => b.textContent('#realtime-notice').catch(() => ''), { timeout: 10_000 })
        .toContain('diakhiri dari perangkat Anda yang lain');
      await screenshot(b, `session-ended-by-member-${width}`);
    });

    it(`shows the release count on Lisensi saya and asks for a reset past it (${width} px)`, async () => {
      const email = `budi-${width}@example.com`;
      await addMember(world, email);
      const { key } = await buyLicense(world, 'Satu Perangkat', email);
      await licenseApi(world, 'activate', { key, fingerprint: 'laptop-lama' });
      await licenseApi(world, 'deactivate', { key, fingerprint: 'laptop-lama' });
      await licenseApi(world, 'activate', { key, fingerprint: 'laptop-baru' });
      const page = await device(width);
      await login(page, email);
      await page.goto(`${base}/member/lisensi`);
      expect(await page.textContent('#licenses')).toContain('Sisa pelepasan perangkat: 0 dari 1 (30 hari).');
      expect(await fits(page)).toBe(true);
      await screenshot(page, `lisensi-batas-${width}`);
      await page.click('button[id^=ask-reset-]');
      await page.waitForURL(/reset=1/);
      expect(await page.textContent('#release-notice')).toContain('Buka tautan di email');
      expect(await page.textContent('#licenses')).toContain('menunggu konfirmasi lewat email');
      await screenshot(page, `lisensi-reset-diminta-${width}`);
    });

    it(`shows the seller the ranked list and a member's evidence with its chart (${width} px)`, async () => {
      const sharer = await addMember(world, `bersama-${width}@example.com`);
      const now = world.runtime.now();
      for (let i = 0; i < 6; i++)
        await world.database.db
          .insertInto('device_events')
          .values({
            member_id: sharer,
            license_id: null,
            kind: 'takeover',
            device_id: 100 + (i % 3),
            ip_prefix: `10.${i % 4}.0.0/24`,
            browser: 'Chrome',
            os: i % 2 ? 'Android' : 'Windows',
            at: now - i * 86_400_000 * 2,
          })
          .execute();
      const adminEmail = `admin-${width}@toko.example`;
      await addAdmin(world, adminEmail);
      const page = await device(width);
      await login(page, adminEmail);
      await page.goto(`${base}/admin/berbagi`);
      expect(await page.textContent('#sharing-members')).toContain(`bersama-${width}@example.com`);
      expect(await fits(page)).toBe(true);
      await screenshot(page, `berbagi-akun-${width}`);
      await page.click(`a[href="/admin/berbagi/member/${sharer}"]`);
      await page.waitForURL(new RegExp(`/admin/berbagi/member/${sharer}$`));
      expect(await page.isVisible('#takeover-chart')).toBe(true);
      expect(await fits(page)).toBe(true);
      await screenshot(page, `berbagi-bukti-${width}`);
      // The reset needs its confirmation box: the browser will not send the form without it.
      await page.click('#reset-takeovers');
      expect(page.url()).toMatch(new RegExp(`/admin/berbagi/member/${sharer}$`));
      await page.check('#reset-takeovers-confirm');
      await page.click('#reset-takeovers');
      await page.waitForURL(/ambil-alih-reset/);
      expect(await page.textContent('#flash')).toContain('direset');
    });
  }
});
