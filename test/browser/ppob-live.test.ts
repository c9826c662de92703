import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { createApiToken } from '../../src/auth/index.js';
import { addMember, PASSWORD } from '../helpers/auth.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { closedPort } from '../helpers/gerbang-process.js';
import { FakeHesda, hesdaEnv } from '../helpers/hesda.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

describe('PPOB status live on the member transactions page (real browser)', () => {
  let world: World;
  let browser: Browser;
  let hesda: FakeHesda;
  let base: string;
  let token: string;

  beforeAll(async () => {
    hesda = await FakeHesda.start();
    const port = await closedPort();
    base = `http://127.0.0.1:${port}`;
    world = await createWorld('sqlite', hesdaEnv(hesda, { PUBLIC_URL: base }));
    await world.app.listen({ host: '127.0.0.1', port });
    ({ token } = await createApiToken(
      world.database.db,
      world.runtime,
      { name: 'browser', createdBy: null },
      CLI_ACTOR,
    ));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await hesda?.close();
  });

  it('order placed → pending row appears → signed callback → success with the sn, without a reload', async () => {
    await addMember(world, 'dewi@example.com', { name: 'Dewi' });
    const context = await browser.newContext({ locale: 'id-ID', timezoneId: 'Asia/Jakarta' });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill('#email', 'dewi@example.com');
    await page.fill('#password', PASSWORD);
    await page.click('#formLogin button[type=submit]');
    await page.waitForURL(`${base}/member`);
    await page.click('nav.member a[href="/member/transaksi"]');
    await page.waitForURL(`${base}/member/transaksi`);
    expect(await page.locator('#transactions tbody').textContent()).toContain('Belum ada transaksi.');
    await page.waitForFunction(() => document.body.dataset.realtime === 'open', undefined, { timeout: 10_000 });
    // A marker only this page load carries: a reload would lose it.
    await page.evaluate(() => {
      (window as unknown as { sameLoad: boolean }).sameLoad = true;
    });

    const placed = await fetch(`${base}/api/admin/ppob/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ product_code: 'XXL5', customer_no: '0895123456789', member_email: 'dewi@example.com' }),
    });
    expect(placed.status).toBe(201);
    const { transaction } = (await placed.json()) as { transaction: { id: number } };
    const row = page.locator(`#transactions tr[data-transaction-id="${transaction.id}"]`);
    await expect.poll(() => row.locator('.tx-status').textContent(), { timeout: 10_000 }).toBe('Diproses');
    expect(await row.locator('.tx-customer').textContent()).toBe('0895123456789');
    expect(await page.locator('#transactions tr.empty').count()).toBe(0);
    await screenshot(page, 'ppob-transaction-pending');

    const callback = await hesda.callback(hesda.lastOrder(), {
      status: 'success',
      sn: '1234567890',
      message: 'Transaksi Berhasil',
    });
    expect(callback.status).toBe(200);
    await expect.poll(() => row.locator('.tx-status').textContent(), { timeout: 10_000 }).toBe('Berhasil');
    expect(await row.locator('.tx-sn').textContent()).toBe('1234567890');
    expect(await row.locator('.tx-message').textContent()).toBe('Transaksi Berhasil');
    expect(await row.getAttribute('data-status')).toBe('success');
    expect(await page.evaluate(() => (window as unknown as { sameLoad?: boolean }).sameLoad)).toBe(true);
    await screenshot(page, 'ppob-transaction-success');

    // A reload renders the same row from the server.
    await page.reload();
    expect(await row.locator('.tx-sn').textContent()).toBe('1234567890');

    // On a phone the row is a card: every value under its column's name, nothing cut off sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    const labels = await row.evaluate((tr) =>
      [...tr.querySelectorAll('td')].map((td) => getComputedStyle(td, '::before').content),
    );
    expect(labels).toEqual(['"Waktu"', '"Produk"', '"Nomor tujuan"', '"Status"', '"SN"', '"Keterangan"']);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'ppob-transaction-phone');
    await context.close();
  });
});
