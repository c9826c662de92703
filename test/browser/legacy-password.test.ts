import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import type { LegacyDatabase } from '../helpers/legacy.js';
import { createLegacyDatabase, sampleLegacyData } from '../helpers/legacy.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';
import { runImport } from '../legacy-import/legacy-world.js';

describe('an imported member in a real browser', () => {
  let world: World;
  let legacy: LegacyDatabase;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    legacy = await createLegacyDatabase(sampleLegacyData());
    world = await createWorld('sqlite');
    await runImport(world, { kind: 'mysql', url: legacy.url });
    base = await world.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await legacy?.drop();
  });

  it('logs in with the old phone-number password and must choose a new one before any member page', async () => {
    const context = await browser.newContext({ locale: 'id-ID', timezoneId: 'Asia/Jakarta' });
    const page = await context.newPage();
    try {
      await page.goto(`${base}/login`);
      await page.fill('#email', 'ani@example.com');
      await page.fill('#password', '081111');
      await page.click('#formLogin button[type=submit]');
      await page.waitForURL(`${base}/akun/sandi-baru`);
      expect(await page.locator('h1').textContent()).toBe('Buat kata sandi baru');
      await screenshot(page, 'legacy-new-password');

      // Every member page leads back here until a new password is chosen.
      await page.goto(`${base}/member/lisensi`);
      expect(page.url()).toBe(`${base}/akun/sandi-baru`);

      // Mismatched entries are refused with the reason, the form stays.
      await page.fill('#password', 'kalimat sandi baru ani');
      await page.fill('#password_confirm', 'kalimat sandi lain');
      await page.click('button[type=submit]');
      await expect.poll(() => page.locator('[role=alert]').textContent()).toBe('Kedua kata sandi tidak sama.');

      await page.fill('#password', 'kalimat sandi baru ani');
      await page.fill('#password_confirm', 'kalimat sandi baru ani');
      await page.click('button[type=submit]');
      await page.waitForURL(/\/member\?sandi=baru$/);
      await page.goto(`${base}/member/lisensi`);
      expect(await page.locator('#licenses').textContent()).toContain('KEI-1A2B-3C4D5E6F');
      await screenshot(page, 'legacy-licenses-after-new-password');
    } finally {
      await context.close();
    }
  });
});
