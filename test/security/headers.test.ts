import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createEndpoint, queueTestEvent } from '../../src/webhooks-out/index.js';
import { signInAdmin } from '../helpers/admin.js';
import { TestDevice } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';
import type { RouteClass } from './route-classes.js';
import { fillParams, routesOf } from './route-classes.js';
import type { Holdings } from './two-members.js';
import { ANI, memberRouteIds, seedTwoMembers, signedInAs } from './two-members.js';

/** Directives of a Content-Security-Policy header, by name. */
function directives(policy: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), sources);
  }
  return map;
}

/**
 * The headers every HTML page must carry: a CSP whose scripts are our own files only (no inline
 * script, no eval, no wildcard), frame-ancestors against clickjacking, nosniff, a referrer policy.
 */
function expectPageHeaders(label: string, res: LightMyRequestResponse): void {
  expect(res.headers['content-type'], label).toMatch(/^text\/html/);
  const policy = directives(String(res.headers['content-security-policy'] ?? ''));
  const scripts = policy.get('script-src') ?? policy.get('default-src');
  expect(scripts, `${label}: script-src or default-src`).toBeDefined();
  for (const unsafe of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'http:', 'https:'])
    expect(scripts, `${label}: scripts allow ${unsafe}`).not.toContain(unsafe);
  expect(policy.get('frame-ancestors'), `${label}: frame-ancestors`).toBeDefined();
  expect(res.headers['x-content-type-options'], label).toBe('nosniff');
  expect(res.headers['referrer-policy'], label).toBeTruthy();
}

const DOCUMENTED_PAGES = [
  '/',
  '/login',
  '/login/tautan',
  '/akun/atur-sandi',
  '/member',
  '/member/transaksi',
  '/admin',
  '/admin/email/:id/isi',
];

describe.each(DIALECTS)('security headers on every page (%s)', (dialect) => {
  let seeded: { ani: Holdings; budi: Holdings };
  const open = worldPerTest(dialect, async (w) => {
    seeded = await seedTwoMembers(w);
    // The console's outgoing-webhook pages by the same :id the walk fills in (an endpoint and a delivery).
    const ctx = { now: w.runtime.now(), randomBytes: w.runtime.randomBytes, masterSecret: w.config.cookieSecret };
    for (let made = 0; made < seeded.ani.activationId; made++) {
      const { id } = await createEndpoint(
        w.database.db,
        { url: 'http://127.0.0.1:9/', description: '', eventTypes: [] },
        ctx,
      );
      await queueTestEvent(w.database.db, id, ctx, 'uji');
    }
  });

  /** Every GET route of the classes a browser opens, asked for by the browser that may open it. */
  async function walk(world: World) {
    const member = await signedInAs(world, ANI);
    const admin = await signInAdmin(world);
    const browsers: Partial<Record<RouteClass, TestDevice>> = {
      public: new TestDevice(world.app),
      asset: new TestDevice(world.app),
      member,
      admin,
    };
    const ids = { ...memberRouteIds(seeded.ani), activation: seeded.ani.activationId };
    const answers: { url: string; res: LightMyRequestResponse }[] = [];
    for (const [kind, browser] of Object.entries(browsers)) {
      for (const route of routesOf(world.app, kind as RouteClass).filter((r) => r.method === 'GET')) {
        // A live stream never ends (its headers are SSE_HEADERS, written past the hooks): its 401 is checked below.
        if (route.url.startsWith('/api/realtime/')) continue;
        const url = fillParams(route.url, ids);
        answers.push({ url: route.url, res: await browser.get(url) });
      }
    }
    return answers;
  }

  it('every GET route that renders HTML carries the CSP, frame-ancestors, nosniff and a referrer policy', async () => {
    const world = await open();
    const answers = await walk(world);
    const pages = answers.filter((a) => String(a.res.headers['content-type']).startsWith('text/html'));
    expect(pages.map((p) => p.url)).toEqual(expect.arrayContaining(DOCUMENTED_PAGES));
    expect(pages.length).toBeGreaterThanOrEqual(25);
    for (const { url, res } of pages) expectPageHeaders(url, res);
    // Real pages, not error pages standing in for them (setup is over, so /setup is a 404 page; the
    // set-password and email-confirmation and reset-confirmation pages without their emailed token say the link is invalid).
    const failed = pages.filter((p) => p.res.statusCode !== 200).map((p) => [p.url, p.res.statusCode]);
    expect(failed).toEqual([
      ['/akun/atur-sandi', 400],
      ['/akun/email/konfirmasi', 400],
      ['/reset-pelepasan', 400],
      ['/setup', 404],
    ]);
    // Everything else (JSON, CSS, the bundles) is not sniffed into HTML either.
    for (const { url, res } of answers) expect([url, res.headers['x-content-type-options']]).toEqual([url, 'nosniff']);
  });

  it('the mail preview frame stays script-free: nothing but inline styles and data: images, sandboxed', async () => {
    const world = await open();
    const admin = await signInAdmin(world);
    const res = await admin.get('/admin/email/1/isi');
    expect(res.statusCode).toBe(200);
    expectPageHeaders('/admin/email/1/isi', res);
    const policy = directives(String(res.headers['content-security-policy']));
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.has('script-src')).toBe(false);
    expect(policy.has('sandbox')).toBe(true);
    expect(policy.get('sandbox')).toEqual([]);
    expect(policy.get('frame-ancestors')).toEqual(["'self'"]);
  });

  it('HTML error pages (404, 403, 500) carry the same headers; JSON errors are nosniff', async () => {
    const world = await open();
    const member = await signedInAs(world, ANI);
    const admin = await signInAdmin(world);
    const missing = await new TestDevice(world.app).get('/tidak-ada');
    expect(missing.statusCode).toBe(404);
    expectPageHeaders('404', missing);
    const forbidden = await member.get('/admin');
    expect(forbidden.statusCode).toBe(403);
    expectPageHeaders('403', forbidden);
    // A broken database: the request fails inside a handler (500), and the page still has its headers.
    await sql`drop table audit_log`.execute(world.database.db);
    const broken = await admin.get('/admin/audit');
    expect(broken.statusCode).toBe(500);
    expectPageHeaders('500', broken);
    expect(broken.body).not.toMatch(/audit_log|sqlite|relation/i);

    for (const url of ['/api/realtime/stream', '/api/session', '/api/admin/ppob/transactions', '/tidak-ada']) {
      const json = await world.app.inject({ url, headers: { accept: 'application/json' } });
      expect([url, json.statusCode >= 400, json.headers['x-content-type-options']]).toEqual([url, true, 'nosniff']);
      expect(json.headers['content-type']).toMatch(/^application\/json/);
    }
  });
});
