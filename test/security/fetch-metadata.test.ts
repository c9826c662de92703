import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { addMember, PASSWORD } from '../helpers/auth.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';

/** A login form posted with a genuine token and cookies, from the site the browser names. */
async function postLogin(app: FastifyInstance, site: string | null) {
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
