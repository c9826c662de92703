import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LicenseJwk } from '../../src/licenses/index.js';
import { verifyLicenseToken } from '../../src/licenses/index.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { buyLicense } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

/** A seller's page on its own origin: the script calls the license API of another origin. */
const SELLER_PAGE = `<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Aplikasi penjual</title></head>
<body><h1>Aktivasi lisensi</h1><pre id="out">belum</pre>
<script>
async function activate(api, key) {
  try {
    const res = await fetch(api + '/api/licenses/activate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key, fingerprint: 'browser-kasir-1', name: 'Kasir web' }),
    });
    const keys = await (await fetch(api + '/.well-known/gerbang-license-keys.json')).json();
    const out = { status: res.status, body: await res.json(), remaining: res.headers.get('RateLimit-Remaining'), keys };
    document.getElementById('out').textContent = JSON.stringify(out, null, 2);
    return out;
  } catch (error) {
    document.getElementById('out').textContent = 'ditolak: ' + error;
    return { error: String(error) };
  }
}
</script></body></html>`;

async function servePage(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(SELLER_PAGE));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface PageResult {
  status?: number;
  body?: { activated: boolean; token: string };
  remaining?: string | null;
  keys?: { keys: LicenseJwk[] };
  error?: string;
}

/**
 * A real cross-origin call: Chromium loads the seller's page from one loopback origin and its
 * script calls the license API on another (a different port is a different origin), so the browser
 * sends a real CORS preflight (JSON body) and enforces the answer's headers.
 */
describe('the license API called from a web page on another origin, in Chromium', () => {
  let world: World;
  let api: string;
  let browser: Browser;
  let allowed: { server: Server; origin: string };
  let stranger: { server: Server; origin: string };

  beforeAll(async () => {
    allowed = await servePage();
    stranger = await servePage();
    world = await createWorld('sqlite', { LICENSE_API_CORS_ORIGINS: allowed.origin });
    world.runtime.current = Date.now();
    api = await world.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    for (const s of [allowed, stranger]) s?.server.close();
  });

  const openPage = async (origin: string): Promise<Page> => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${origin}/`);
    return page;
  };

  it('an allowed origin activates a license, reads the token, the key set and RateLimit-Remaining', async () => {
    const { key } = await buyLicense(world, 'Satu Perangkat');
    const page = await openPage(allowed.origin);
    const result: PageResult = await page.evaluate(
      ([base, k]) =>
        (window as unknown as { activate: (a: string, b: string) => Promise<PageResult> }).activate(base, k),
      [api, key] as const,
    );
    await screenshot(page, 'license-api-cors-allowed');
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(201);
    expect(result.body?.activated).toBe(true);
    expect(result.remaining).toBe('59');
    const check = verifyLicenseToken(result.body?.token ?? '', result.keys?.keys ?? [], world.runtime.now());
    expect(check.ok && check.claims.fingerprint).toBe('browser-kasir-1');
  });

  it('a page on an origin not in LICENSE_API_CORS_ORIGINS is refused by the browser', async () => {
    const { key, id } = await buyLicense(world, 'Satu Perangkat');
    const page = await openPage(stranger.origin);
    const result: PageResult = await page.evaluate(
      ([base, k]) =>
        (window as unknown as { activate: (a: string, b: string) => Promise<PageResult> }).activate(base, k),
      [api, key] as const,
    );
    await screenshot(page, 'license-api-cors-refused');
    expect(result.error).toMatch(/TypeError/);
    // The preflight failed, so the POST was never sent: nothing was activated.
    const activations = await world.database.db
      .selectFrom('license_activations')
      .select('id')
      .where('license_id', '=', id)
      .execute();
    expect(activations).toEqual([]);
  });
});
