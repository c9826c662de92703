import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContextOptions, CDPSession, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

/** Debian's chromium, headless, with the flags this machine's closed network needs (DEVELOPERS.md). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const devtools = new WeakMap<Page, { session: CDPSession; pixelRatio: number }>();

/**
 * Saves a full-page screenshot under test-results/ (git-ignored) for people to look at. Taken with
 * Chromium's own capture beyond the viewport and its fast PNG encoder: Playwright's fullPage resizes
 * the page and encodes slowly, which made screenshots 40% of the browser tests' time (1.7× slower).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(process.cwd(), 'test-results', 'screenshots', `${name}.png`);
  mkdirSync(dirname(path), { recursive: true });
  let devtool = devtools.get(page);
  if (!devtool) {
    // The phone's pixel density too, as Playwright's screenshots have it (a 390 px phone at 2× is 780 px wide).
    devtool = {
      session: await page.context().newCDPSession(page),
      pixelRatio: await page.evaluate(() => (globalThis as unknown as { devicePixelRatio: number }).devicePixelRatio),
    };
    devtools.set(page, devtool);
  }
  const { session, pixelRatio } = devtool;
  const { cssContentSize } = await session.send('Page.getLayoutMetrics');
  const { data } = await session.send('Page.captureScreenshot', {
    format: 'png',
    optimizeForSpeed: true,
    captureBeyondViewport: true,
    clip: { x: 0, y: 0, width: cssContentSize.width, height: cssContentSize.height, scale: pixelRatio },
  });
  writeFileSync(path, Buffer.from(data, 'base64'));
  return path;
}

/** A laptop's window. */
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
/** A phone 390 px wide (a Pixel 8's Chrome). */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
};
