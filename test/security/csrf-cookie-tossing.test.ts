import { describe, expect, it } from 'vitest';
import { addMember, PASSWORD, TestDevice } from '../helpers/auth.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';

describe.each(DIALECTS)('CSRF secret cookie tossing on https (%s)', (dialect) => {
  const open = worldPerTest(dialect, (w) => addMember(w, ANI));

  // Proves the finding fixed in src/auth/cookies.ts (+ app.ts): the CSRF secret cookie is __Host- on
  // https like the session's, so a secret tossed in by a sibling subdomain (which can set any cookie
  // name but a __Host- one) is not the one the server checks tokens against. (The attributes
  // themselves: test/auth/login.test.ts, "on https the cookies are Secure and carry the __Host- prefix".)
  it("a CSRF secret planted under a name a subdomain can set does not make the attacker's token valid", async () => {
    const world = await open({ PUBLIC_URL: 'https://toko.example' });
    // The attacker visits the site: a genuine signed secret and a token that pairs with it.
    const attacker = new TestDevice(world.app);
    const page = await attacker.get('/login/tautan');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const secret = page.cookies.find((c) => c.name.endsWith('gerbang_csrf'))?.value ?? '';
    expect(token.length).toBeGreaterThan(10);
    expect(secret.length).toBeGreaterThan(10);

    const ani = new TestDevice(world.app);
    expect((await ani.login(ANI, PASSWORD)).statusCode).toBe(303);
    // evil.toko.example sets `gerbang_csrf=<the attacker's secret>; Domain=toko.example` in Ani's browser.
    ani.cookies.set('gerbang_csrf', secret);
    const forged = await ani.post('/auth/logout', {}, { csrf: token });
    expect(forged.statusCode).toBe(403);
    expect((await ani.get('/api/session')).statusCode).toBe(200);
    // Ani's own form still works: the fix did not break her CSRF pairing.
    expect((await ani.post('/auth/logout', {})).statusCode).toBe(303);
    expect((await ani.get('/api/session')).statusCode).toBe(401);
  });
});
