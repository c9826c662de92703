import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addMember, PASSWORD } from '../helpers/auth.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

const REVOKED_TEXT = 'Sesi Anda berakhir karena akun ini digunakan di perangkat lain';

/** A stand-in for the third-party video player the member page frames. */
function startPlayer(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Pemutar</title><p id="player">Pemutar video siap</p>');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/embed/kelas-1` });
    }),
  );
}

describe('single-device login in a real browser', () => {
  let world: World;
  let browser: Browser;
  let base: string;
  let player: { server: Server; url: string };
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    player = await startPlayer();
    world = await createWorld('sqlite', { MEMBER_VIDEO_URL: player.url, LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    base = await world.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  // Each test's browsers close with it, so no page of an earlier test holds (or opens) a stream later.
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => {});
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await new Promise((resolve) => player?.server.close(resolve));
  });

  /** A browser context is a device: its own cookies. */
  const device = async (): Promise<BrowserContext> => {
    const context = await browser.newContext({ locale: 'id-ID', timezoneId: 'Asia/Jakarta' });
    contexts.push(context);
    return context;
  };

  const fillLogin = async (page: Page, email: string, password = PASSWORD) => {
    await page.goto(`${base}/login`);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.click('#formLogin button[type=submit]');
    await page.waitForLoadState('load');
  };

  /** Waits until the page's realtime monitor holds the stream or follows the tab that does. */
  const monitoring = (page: Page) =>
    page.waitForFunction(() => ['open', 'following'].includes(document.body.dataset.realtime ?? ''), undefined, {
      timeout: 10_000,
    });

  /** Records (in the page) when the session-ended notice became visible. */
  const watchNotice = (page: Page) =>
    page.evaluate(() => {
      const notice = document.getElementById('realtime-notice');
      if (!notice) throw new Error('no #realtime-notice on the page');
      const w = window as unknown as { noticeShownAt?: number };
      new MutationObserver(() => {
        if (!notice.hidden && w.noticeShownAt === undefined) w.noticeShownAt = Date.now();
      }).observe(notice, { attributes: true, childList: true, characterData: true, subtree: true });
    });

  it('a second device sees the conflict dialog; keeping it there logs the first out in real time', async () => {
    await addMember(world, 'ani@example.com', { name: 'Ani' });
    const a = await (await device()).newPage();
    await fillLogin(a, 'ani@example.com');
    expect(new URL(a.url()).pathname).toBe('/member');
    await monitoring(a);
    await watchNotice(a);

    const b = await (await device()).newPage();
    await fillLogin(b, 'ani@example.com');
    const modal = b.locator('#alert-modal');
    await expect.poll(() => modal.isVisible()).toBe(true);
    const text = (await modal.textContent()) ?? '';
    expect(text).toContain('Konflik Sesi Terdeteksi');
    expect(text).toContain('sedang aktif di tab atau perangkat lain');
    expect(text).toContain('Beberapa sesi aktif tidak diizinkan karena alasan keamanan.');
    expect(text).toMatch(/Chrom(e|ium) \d+/);
    expect(text).toContain('Linux');
    expect(await b.locator('#keep-here').textContent()).toBe('Tetap gunakan di sini');
    expect(await b.locator('#use-other-device').textContent()).toBe('Gunakan di perangkat lain');
    await screenshot(b, 'login-conflict-modal');

    const confirmedAt = Date.now();
    await b.click('#keep-here');
    await b.waitForURL(`${base}/member`);

    const notice = a.locator('#realtime-notice');
    await expect.poll(() => notice.isVisible(), { timeout: 5000 }).toBe(true);
    expect(await notice.textContent()).toBe(REVOKED_TEXT);
    const shownAt = await a.evaluate(() => (window as unknown as { noticeShownAt?: number }).noticeShownAt);
    if (shownAt === undefined) throw new Error('the notice was never observed');
    console.info(`takeover: "keep here" clicked on B → notice shown on A after ${shownAt - confirmedAt} ms`);
    await screenshot(a, 'session-ended-notice');

    // The old system's deliberate delay, then the login page with the reason.
    await a.waitForURL(/\/login\?alasan=takeover/, { timeout: 5000 });
    const leftAt = Date.now();
    expect(leftAt - shownAt).toBeGreaterThanOrEqual(1900);
    expect(await a.locator('#login-message').textContent()).toBe(REVOKED_TEXT);
    await screenshot(a, 'login-after-takeover');

    // The revoked cookie is refused by every protected page, with or without a stream.
    await a.goto(`${base}/member/lisensi`);
    expect(new URL(a.url()).pathname).toBe('/login');
    // B stays in.
    await b.goto(`${base}/member/lisensi`);
    expect(await b.locator('h1').textContent()).toBe('Lisensi saya');
  });

  it('"Gunakan di perangkat lain" leaves without logging in', async () => {
    await addMember(world, 'budi@example.com');
    const a = await (await device()).newPage();
    await fillLogin(a, 'budi@example.com');
    await monitoring(a);
    const b = await (await device()).newPage();
    await fillLogin(b, 'budi@example.com');
    await b.click('#use-other-device');
    await b.waitForURL(/\/login\?alasan=batal/);
    await b.goto(`${base}/member`);
    expect(new URL(b.url()).pathname).toBe('/login');
    await a.reload();
    expect(new URL(a.url()).pathname).toBe('/member');
  });

  it('after logging out on A, B logs in without a dialog', async () => {
    await addMember(world, 'citra@example.com');
    const a = await (await device()).newPage();
    await fillLogin(a, 'citra@example.com');
    await monitoring(a);
    await a.click('#logout');
    await a.waitForURL(/\/login\?alasan=keluar/);
    const b = await (await device()).newPage();
    await fillLogin(b, 'citra@example.com');
    expect(new URL(b.url()).pathname).toBe('/member');
    expect(await b.locator('#alert-modal').count()).toBe(0);
  });

  it('eight tabs of one browser share one stream, never conflict, and all get the revocation', async () => {
    await addMember(world, 'dewi@example.com');
    // The earlier tests' pages are closed: their streams end as the server sees the sockets go.
    await expect.poll(() => world.app.streams.size).toBe(0);
    const context = await device();
    const first = await context.newPage();
    await fillLogin(first, 'dewi@example.com');
    const tabs = [first];
    for (let i = 1; i < 8; i += 1) {
      const tab = await context.newPage();
      // The login page of an already signed-in browser leads straight into the member area.
      await tab.goto(`${base}${i === 1 ? '/login' : `/member${i % 2 ? '/lisensi' : ''}`}`);
      expect(new URL(tab.url()).pathname).toMatch(/^\/member/);
      tabs.push(tab);
    }
    for (const tab of tabs) await monitoring(tab);
    await expect.poll(() => world.app.streams.size, { timeout: 15_000 }).toBe(1);
    const states = await Promise.all(tabs.map((t) => t.evaluate(() => document.body.dataset.realtime)));
    expect(states.filter((s) => s === 'open')).toHaveLength(1);
    expect(states.filter((s) => s === 'following')).toHaveLength(7);
    // Every tab still loads pages while the stream is open (the old stream held the session lock).
    await tabs[3]?.goto(`${base}/member/lisensi`);
    await monitoring(tabs[3] as Page);

    // Each tab shows the notice for a moment and then leaves for the login page; polling eight tabs one
    // after another on a loaded machine can miss that moment, so each tab notes it (sessionStorage
    // outlives the tab's navigation) and the notes are read on the login page.
    for (const tab of tabs) {
      await tab.evaluate(() => {
        const notice = document.getElementById('realtime-notice') as HTMLElement;
        new MutationObserver(() => {
          if (!notice.hidden && notice.textContent) sessionStorage.setItem('notice-seen', notice.textContent);
        }).observe(notice, { attributes: true, childList: true, characterData: true, subtree: true });
      });
    }
    const other = await (await device()).newPage();
    await fillLogin(other, 'dewi@example.com');
    await other.click('#keep-here');
    await other.waitForURL(`${base}/member`);
    for (const tab of tabs) await tab.waitForURL(/\/login\?alasan=takeover/, { timeout: 15_000 });
    for (const tab of tabs) {
      expect(await tab.evaluate(() => sessionStorage.getItem('notice-seen'))).toMatch(/\S/);
    }
    // Eight pages in one browser on a loaded 2-core machine: generous bounds, no speed is asserted here.
  }, 120_000);

  it('the video page frames the player at once and is logged out like every other page', async () => {
    await addMember(world, 'eka@example.com');
    const a = await (await device()).newPage();
    await fillLogin(a, 'eka@example.com');
    await a.goto(`${base}/member/video`);
    await monitoring(a);
    const frame = a.frameLocator('#videoFrame');
    await expect.poll(() => frame.locator('#player').textContent(), { timeout: 5000 }).toBe('Pemutar video siap');
    await screenshot(a, 'member-video');
    const b = await (await device()).newPage();
    await fillLogin(b, 'eka@example.com');
    await b.click('#keep-here');
    await expect.poll(() => a.locator('#realtime-notice').isVisible(), { timeout: 5000 }).toBe(true);
  });

  it('the stream answers 401 without a session', async () => {
    const page = await (await device()).newPage();
    await page.goto(`${base}/login`);
    const status = await page.evaluate(async () => (await fetch('/api/realtime/stream')).status);
    expect(status).toBe(401);
  });

  it('too many wrong passwords get a 429 with the time to wait', async () => {
    await addMember(world, 'fajar@example.com');
    const page = await (await device()).newPage();
    for (let i = 0; i < 3; i += 1) {
      await fillLogin(page, 'fajar@example.com', 'salah sekali');
      expect(await page.locator('#login-message').textContent()).toBe('Email atau kata sandi salah.');
    }
    const response = page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST');
    await fillLogin(page, 'fajar@example.com', PASSWORD);
    expect((await response).status()).toBe(429);
    expect(await page.locator('#login-message').textContent()).toMatch(
      /Terlalu banyak percobaan masuk. Coba lagi dalam \d+ menit/,
    );
    await screenshot(page, 'login-rate-limited');
  });
});
