import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { revokeLicense } from '../../src/licenses/index.js';
import { addMember, PASSWORD } from '../helpers/auth.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { buyLicense, LICENSE_RULES, licenseDeps } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

const TAKEOVER_TEXT = 'Lisensi ini sekarang digunakan di perangkat lain. Akses di perangkat ini ditutup.';
const REVOKED_TEXT = 'Lisensi ini dicabut. Akses ke produk ditutup.';

/**
 * The seed's case ("Penutup"): a member opens a digital product on one device, then the same
 * license on a second device. The member may be signed in on two devices (MAX_DEVICES_PER_MEMBER=2),
 * the license allows one, and its product takes over: the first device's open page loses the
 * content live, without a reload.
 */
describe('a 1-device takeover license in two real browsers', () => {
  let world: World;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    world = await createWorld('sqlite', { PRODUCT_RULES: LICENSE_RULES, MAX_DEVICES_PER_MEMBER: '2' });
    base = await world.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await world?.close();
  });

  const signedInPage = async (email: string): Promise<Page> => {
    const context = await browser.newContext({ locale: 'id-ID', timezoneId: 'Asia/Jakarta' });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('#formLogin button[type=submit]');
    await page.waitForURL(`${base}/member`);
    return page;
  };

  const openProduct = async (page: Page, licenseId: number) => {
    await page.goto(`${base}/member/produk/${licenseId}`);
    await page.click('#open-product button');
    await page.waitForSelector('#product-content');
    await page.waitForFunction(() => document.body.dataset.realtime === 'open', undefined, { timeout: 10_000 });
  };

  it('the first device is cut off live when the second takes the license over', async () => {
    await addMember(world, 'budi@example.com', { name: 'Budi' });
    const license = await buyLicense(world, 'Ambil Alih', 'budi@example.com');
    const laptop = await signedInPage('budi@example.com');
    await openProduct(laptop, license.id);
    expect(await laptop.evaluate(() => document.body.dataset.product)).toBe('open');
    await screenshot(laptop, 'license-product-open');

    const phone = await signedInPage('budi@example.com');
    await phone.goto(`${base}/member/produk/${license.id}`);
    expect(await phone.textContent('main')).toContain('menutup akses di perangkat yang paling lama');
    await screenshot(phone, 'license-takeover-warning');
    const clickedAt = Date.now();
    await phone.click('#open-product button');
    await phone.waitForSelector('#product-content');

    await laptop.waitForFunction(() => document.body.dataset.product === 'closed', undefined, { timeout: 5000 });
    console.info(`license takeover: content closed on the first device ${Date.now() - clickedAt} ms after the click`);
    expect(await laptop.locator('#product-content').count()).toBe(0);
    expect(await laptop.locator('#product-closed').textContent()).toBe(TAKEOVER_TEXT);
    expect(await laptop.locator('#product-closed').isVisible()).toBe(true);
    // The member's session on the laptop goes on: only the product closed.
    expect(new URL(laptop.url()).pathname).toBe(`/member/produk/${license.id}`);
    expect(await laptop.locator('#realtime-notice').isVisible()).toBe(false);
    expect(await laptop.locator('#product-reopen').isVisible()).toBe(true);
    await screenshot(laptop, 'license-product-closed-takeover');

    // A reload does not bring the content back: the laptop would have to take it over in turn.
    await laptop.reload();
    expect(await laptop.locator('#product-content').count()).toBe(0);
    expect(await laptop.locator('#open-product').count()).toBe(1);
    // Lisensi saya on the laptop lists the one device that holds the license now (the phone).
    await laptop.goto(`${base}/member/lisensi`);
    const row = laptop.locator(`[data-license-id="${license.id}"]`);
    expect(await row.textContent()).toContain('1 / 1');
    expect(await row.locator('.devices li').count()).toBe(1);
    await screenshot(laptop, 'license-lisensi-saya');

    expect(await phone.locator('#product-content').isVisible()).toBe(true);
    await phone.waitForFunction(() => document.body.dataset.realtime === 'open', undefined, { timeout: 10_000 });
    expect(await revokeLicense(licenseDeps(world), license.id, CLI_ACTOR, 'refund')).toEqual({ ok: true });
    await phone.waitForFunction(() => document.body.dataset.product === 'closed', undefined, { timeout: 5000 });
    expect(await phone.locator('#product-closed').textContent()).toBe(REVOKED_TEXT);
    expect(await phone.locator('#product-reopen').isVisible()).toBe(false);
    await screenshot(phone, 'license-product-closed-revoked');
  });
});
