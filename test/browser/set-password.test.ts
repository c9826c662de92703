import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLicenseMail } from '../../src/mail/index.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, devMailWorker } from '../helpers/world.js';

describe('in a real browser', () => {
  let world: World;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    world = await createWorld('sqlite');
    base = await world.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  /** Registers a member through the webhook and returns the set-password link from their mail. */
  const registrationLink = async (email: string) => {
    await postLynk(world.app, payment({ email, name: 'Ani <b>Wijaya</b>', items: [{ title: 'Daftar Member KEI' }] }));
    const worker = devMailWorker(world);
    await worker.drain();
    const mail = await world.database.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', email)
      .executeTakeFirstOrThrow();
    const path = mail.text_body?.match(/\/akun\/atur-sandi\?token=[A-Za-z0-9_-]+/)?.[0];
    if (!path) throw new Error('no link in the registration mail');
    return { url: `${base}${path}`, html: mail.html_body ?? '' };
  };

  it('a new member opens the emailed link and sets a password', async () => {
    const { url, html } = await registrationLink('ani@example.com');
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.setContent(html);
      expect(await page.locator('h1').textContent()).toBe('Pendaftaran Member Berhasil');
      expect(await page.locator('body').textContent()).toContain('Halo Ani <b>Wijaya</b>,');
      await screenshot(page, 'mail-registration');

      await page.goto(url);
      expect(await page.locator('h1').textContent()).toBe('Buat kata sandi');
      await screenshot(page, 'set-password-form');

      await page.fill('#password', 'kalimat rahasia panjang');
      await page.fill('#password_confirm', 'kalimat yang berbeda');
      await page.click('button[type=submit]');
      await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('tidak sama');
      await screenshot(page, 'set-password-mismatch');

      await page.fill('#password', 'kalimat rahasia panjang');
      await page.fill('#password_confirm', 'kalimat rahasia panjang');
      await page.click('button[type=submit]');
      // Saving the password signs this browser in.
      await expect.poll(() => new URL(page.url()).pathname).toBe('/member');
      expect(await page.locator('#password-saved').textContent()).toContain('Kata sandi baru tersimpan');
      await screenshot(page, 'set-password-done');

      await page.goto(url);
      expect(await page.locator('h1').textContent()).toBe('Tautan tidak berlaku');
    } finally {
      await context.close();
    }
  });

  it('a license mail shows hostile names and titles as text; no script runs', async () => {
    const mail = renderLicenseMail({
      kind: 'license',
      orderNo: 'KEI-ORDER',
      transactionNo: 'KEI-TRX-1',
      name: '<script>window.pwned=1</script>',
      email: 'x@example.com',
      paidAt: '2026-05-23T20:31:28',
      items: [{ title: '<img src=x onerror="window.pwned=2">', keys: ['KEI-AAAA-BBBB-CCCC-DDDD'] }],
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.setContent(mail.html);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(await page.locator('body').textContent()).toContain('<script>window.pwned=1</script>');
      expect(await page.locator('code').textContent()).toBe('KEI-AAAA-BBBB-CCCC-DDDD');
      await screenshot(page, 'mail-license');
    } finally {
      await context.close();
    }
  });
});
