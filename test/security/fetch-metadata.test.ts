import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { addMember, PASSWORD } from '../helpers/auth.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';

/** A login form posted with a genuine token and cookies, from the site the browser names. */
async function postLogin(app: FastifyInstance, site: string | null, extra: Record<string, string> = {}) {
  const page = await app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return app.inject({
    method: 'POST',
    url: '/login',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      cookie,
      ...(site ? { 'sec-fetch-site': site } : {}),
      ...extra,
    },
    payload: new URLSearchParams({
      _csrf: token,
      email: ANI,
      password: PASSWORD,
      fingerprint: 'f'.repeat(64),
    }).toString(),
  });
}

describe.each(DIALECTS)('Fetch Metadata check on forms (%s)', (dialect) => {
  const open = worldPerTest(dialect, (w) => addMember(w, ANI));

  it('a login form posted from another site or a sibling subdomain is refused, even with a valid token', async () => {
    const world = await open();
    for (const site of ['cross-site', 'same-site']) {
      const answer = await postLogin(world.app, site);
      expect(answer.statusCode).toBe(403);
      expect(answer.json().error.code).toBe('CSRF_REJECTED');
      expect(answer.cookies.some((c) => c.name.endsWith('gerbang_session'))).toBe(false);
    }
  });

  it.each(['same-origin', null])('the same form from our own pages (%s) signs in', async (site) => {
    const world = await open();
    const answer = await postLogin(world.app, site);
    expect(answer.statusCode).toBe(200);
    expect(answer.cookies.some((c) => c.name.endsWith('gerbang_session') && c.value !== '')).toBe(true);
  });

  it('a browser without Fetch Metadata is judged by Origin: another host is refused, ours and "null" are not', async () => {
    const world = await open({ PUBLIC_URL: 'https://toko.example' });
    const publicHost = 'toko.example';
    const refused = await postLogin(world.app, null, { origin: 'https://penipu.example' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('CSRF_REJECTED');
    // A subdomain is another host too (it could also plant cookies).
    expect((await postLogin(world.app, null, { origin: `https://evil.${publicHost}` })).statusCode).toBe(403);
    // Let through to the login itself (which then signs in, or asks about the device already signed in).
    const passes = async (site: string | null, extra: Record<string, string>) => {
      const answer = await postLogin(world.app, site, extra);
      return [200, 409].includes(answer.statusCode) ? 'passes' : `${answer.statusCode} ${answer.body}`;
    };
    for (const origin of [`https://${publicHost}`, 'http://localhost:80', 'null', 'bukan url'])
      expect([origin, await passes(null, { origin })]).toEqual([origin, 'passes']);
    // Behind a proxy: the browser's Origin is the proxy's host, which forwards it.
    expect(await passes(null, { origin: 'https://cermin.example', 'x-forwarded-host': 'cermin.example' })).toBe(
      'passes',
    );
    // Fetch Metadata, when sent, decides: a same-origin request with an odd Origin is the browser's own.
    expect(await passes('same-origin', { origin: 'https://penipu.example' })).toBe('passes');
  });

  it('the cookie-less license API stays callable from other sites', async () => {
    const world = await open();
    const api = await world.app.inject({
      method: 'POST',
      url: '/api/licenses/validate',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
      payload: { key: 'KEI-0000-00000000', fingerprint: 'device-1234567890' },
    });
    expect(api.statusCode).not.toBe(403);
  });
});
