import { describe, expect, it } from 'vitest';
import { buyLicense, licenseApi } from '../helpers/license-world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const PAGE = 'https://app.toko.example';

describe.each(DIALECTS)('license API for web pages: CORS and rate-limit headers (%s)', (dialect) => {
  const open = worldPerTest(dialect);

  const preflight = (world: Awaited<ReturnType<typeof open>>, origin: string, path = '/api/licenses/validate') =>
    world.app.inject({
      method: 'OPTIONS',
      url: path,
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

  it('a preflight from any origin is answered 204 with what the browser needs (default: any origin)', async () => {
    const world = await open();
    for (const path of ['/api/licenses/activate', '/api/licenses/validate', '/api/licenses/deactivate']) {
      const res = await preflight(world, PAGE, path);
      expect([path, res.statusCode]).toEqual([path, 204]);
      expect(res.headers).toMatchObject({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '7200',
      });
      // No credentials, ever: the API reads no cookies.
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
    const { key } = await buyLicense(world, 'Satu Perangkat');
    const call = await world.app.inject({
      method: 'POST',
      url: '/api/licenses/validate',
      headers: { origin: PAGE, 'content-type': 'application/json' },
      payload: { key },
    });
    expect(call.statusCode).toBe(200);
    expect(call.headers['access-control-allow-origin']).toBe('*');
    expect(String(call.headers['access-control-expose-headers'])).toContain('RateLimit-Remaining');
    // Error answers carry it too, or a page could not read its own 400 or 429.
    const bad = await world.app.inject({
      method: 'POST',
      url: '/api/licenses/validate',
      headers: { origin: PAGE, 'content-type': 'application/json' },
      payload: '{"key":',
    });
    expect([bad.statusCode, bad.headers['access-control-allow-origin']]).toEqual([400, '*']);
  });

  it('with LICENSE_API_CORS_ORIGINS only the listed origins are allowed', async () => {
    const world = await open({ LICENSE_API_CORS_ORIGINS: `${PAGE}, http://localhost:5173` });
    const allowed = await preflight(world, PAGE);
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(PAGE);
    expect(allowed.headers.vary).toBe('Origin');
    const refused = await preflight(world, 'https://penipu.example');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('CORS_ORIGIN_REFUSED');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const call = await world.app.inject({
      method: 'POST',
      url: '/api/licenses/validate',
      headers: { origin: 'https://penipu.example', 'content-type': 'application/json' },
      payload: { key: 'KEI-0000-0000-0000-0000' },
    });
    expect(call.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('RateLimit-* headers show the tighter of the per-key and per-IP limits, and 429 says when to retry', async () => {
    const world = await open({ LICENSE_API_MAX_PER_KEY: '3', LICENSE_API_MAX_PER_IP: '5' });
    world.runtime.current = Date.UTC(2026, 10, 23, 5, 0, 15); // 15 s into a minute window
    const { key } = await buyLicense(world, 'Satu Perangkat');
    const seen: [number, string, string, string][] = [];
    for (let i = 0; i < 4; i++) {
      const res = await licenseApi(world, 'validate', { key });
      seen.push([
        res.statusCode,
        String(res.headers['ratelimit-limit']),
        String(res.headers['ratelimit-remaining']),
        String(res.headers['ratelimit-reset']),
      ]);
    }
    expect(seen).toEqual([
      [200, '3', '2', '45'],
      [200, '3', '1', '45'],
      [200, '3', '0', '45'],
      [429, '3', '0', '45'],
    ]);
    const refused = await licenseApi(world, 'validate', { key });
    expect(refused.headers['retry-after']).toBe('45');
    expect(refused.headers['ratelimit-policy']).toBe('3;w=60;comment="per key", 5;w=60;comment="per IP"');
    // Other keys from the same IP: the IP's counter (5) is the tighter one now.
    const other = await licenseApi(world, 'validate', { key: 'KEI-0000-0000-0000-0001' });
    expect([other.headers['ratelimit-limit'], other.headers['ratelimit-remaining']]).toEqual(['5', '1']);
    const last = await licenseApi(world, 'validate', { key: 'KEI-0000-0000-0000-0002' });
    expect([last.statusCode, last.headers['ratelimit-remaining']]).toEqual([200, '0']);
    expect((await licenseApi(world, 'validate', { key: 'KEI-0000-0000-0000-0003' })).statusCode).toBe(429);
    // Another IP is not held by this one's counter.
    const elsewhere = await licenseApi(world, 'validate', { key: 'KEI-0000-0000-0000-0004' }, '198.51.100.20');
    expect([elsewhere.statusCode, elsewhere.headers['ratelimit-remaining']]).toEqual([200, '2']);
  });
});
