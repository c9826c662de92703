import { describe, expect, it } from 'vitest';
import type { DeviceEventKind } from '../../src/db/index.js';
import { addMember, PASSWORD, TestDevice, takeoverToken, USER_AGENTS } from '../helpers/auth.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const EMAIL = 'ani@example.com';
const HOUR = 3_600_000;

describe.each(DIALECTS)('the takeover limit (%s)', (dialect) => {
  let world: World;
  let memberId: number;
  const openWorld = worldPerTest(dialect, async (w) => {
    memberId = await addMember(w, EMAIL);
  });
  const open = async (env: Record<string, string> = {}) => (world = await openWorld(env));
  const device = (n: number) =>
    new TestDevice(world.app, {
      userAgent: n % 2 === 0 ? USER_AGENTS.firefoxLinux : USER_AGENTS.chromeWindows,
      ip: `10.0.${n}.1`,
    });
  const events = async (kind: DeviceEventKind) =>
    Number(
      (
        await world.database.db
          .selectFrom('device_events')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('member_id', '=', memberId)
          .where('kind', '=', kind)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('allows TAKEOVER_LIMIT takeovers per window, then refuses with when and how, audited and counted', async () => {
    await open({ TAKEOVER_LIMIT: '3', TAKEOVER_WINDOW_HOURS: '24', SELLER_CONTACT: 'WhatsApp 0812-0000-1111' });
    const [a, b] = [device(0), device(1)];
    expect((await a.login(EMAIL, PASSWORD)).statusCode).toBe(303);
    const firstAt = world.runtime.now();
    // Two people sharing the account take turns: three turns pass.
    for (const [i, who] of [b, a, b].entries()) {
      expect((await who.loginKeepingHere(EMAIL, PASSWORD)).statusCode, `takeover ${i + 1}`).toBe(303);
      world.runtime.advance(HOUR);
    }
    // The dialog says how many are left before the button is pressed.
    const dialog = await a.login(EMAIL, PASSWORD);
    expect(dialog.body).toContain('Sisa "Tetap gunakan di sini" untuk akun ini: 0 dari 3 dalam 24 jam.');
    const refused = await a.loginKeepingHere(EMAIL, PASSWORD);
    expect(refused.statusCode).toBe(429);
    expect(refused.body).toContain('sudah 3 kali dipindahkan');
    // The first takeover leaves the 24-hour window at firstAt + 24 h: 24 Nov 2026 12.00 WIB.
    expect(refused.body).toContain('Bisa lagi mulai 24 Nov 2026');
    expect(refused.body).toContain('12.00');
    expect(refused.body).toContain('Perangkat saya');
    expect(refused.body).toContain('WhatsApp 0812-0000-1111');
    expect(Number(refused.headers['retry-after'])).toBe((firstAt + 24 * HOUR - world.runtime.now()) / 1000);
    // b keeps its session: nothing was ended.
    expect((await b.get('/api/session')).statusCode).toBe(200);
    expect(await events('takeover')).toBe(3);
    expect(await events('takeover_refused')).toBe(1);
    const audit = await world.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'session.takeover_refused')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]?.details ?? '{}')).toMatchObject({ limit: 3, retryAt: firstAt + 24 * HOUR });

    // A minute after the first takeover left the window, one more is possible again.
    world.runtime.current = firstAt + 24 * HOUR + 60_000;
    expect((await a.loginKeepingHere(EMAIL, PASSWORD)).statusCode).toBe(303);
    expect((await b.loginKeepingHere(EMAIL, PASSWORD)).statusCode).toBe(429);
  });

  it('answers JSON clients with TAKEOVER_LIMITED and Retry-After', async () => {
    await open({ TAKEOVER_LIMIT: '1' });
    const [a, b] = [device(0), device(1)];
    await a.login(EMAIL, PASSWORD);
    expect((await b.loginKeepingHere(EMAIL, PASSWORD)).statusCode).toBe(303);
    const conflict = await a.login(EMAIL, PASSWORD);
    const res = await a.post(
      '/login/ambil-alih',
      { token: takeoverToken(conflict.body), fingerprint: a.fingerprint },
      { accept: 'application/json' },
    );
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('TAKEOVER_LIMITED');
    expect(Number(res.headers['retry-after'])).toBe(24 * 3600);
  });

  it('past the limit the member logs out on the signed-in device, then logs in here without counting', async () => {
    await open({ TAKEOVER_LIMIT: '1' });
    const [a, b] = [device(0), device(1)];
    await a.login(EMAIL, PASSWORD);
    expect((await b.loginKeepingHere(EMAIL, PASSWORD)).statusCode).toBe(303);
    expect((await a.loginKeepingHere(EMAIL, PASSWORD)).statusCode).toBe(429);
    const page = await b.get('/member/perangkat');
    expect(page.body).toContain('Perangkat ini');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    expect((await b.post('/auth/logout', {}, { csrf })).statusCode).toBe(303);
    expect((await a.login(EMAIL, PASSWORD)).statusCode).toBe(303);
    expect(await events('takeover')).toBe(1);
  });

  it('"Akhiri sesi" on Perangkat saya ends another device\'s session live and never counts as a takeover', async () => {
    await open({ TAKEOVER_LIMIT: '1', MAX_DEVICES_PER_MEMBER: '2' });
    const [a, b, c] = [device(0), device(1), device(2)];
    await a.login(EMAIL, PASSWORD);
    await b.login(EMAIL, PASSWORD);
    const page = await a.get('/member/perangkat');
    const bDevice = Number(/data-device-id="(\d+)"><div><strong>Chrome/.exec(page.body)?.[1]);
    expect(page.body).toContain('Sedang masuk');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const ended = await a.post(`/member/perangkat/${bDevice}/akhiri`, {}, { csrf });
    expect(ended.statusCode).toBe(303);
    expect((await b.get('/api/session')).statusCode).toBe(401);
    const reason = await world.database.db
      .selectFrom('sessions')
      .select('revoked_reason')
      .where('device_id', '=', bDevice)
      .executeTakeFirstOrThrow();
    expect(reason.revoked_reason).toBe('ended_by_member');
    expect(await events('takeover')).toBe(0);
    // The one takeover the limit allows is still there.
    await b.login(EMAIL, PASSWORD);
    expect((await c.loginKeepingHere(EMAIL, PASSWORD)).statusCode).toBe(303);
    // Its own device, or a made-up one, is "not found".
    const own = Number(/data-device-id="(\d+)"><div><strong>Firefox/.exec(page.body)?.[1]);
    expect((await a.post(`/member/perangkat/${own}/akhiri`, {}, { csrf })).statusCode).toBe(404);
  });

  it('the seller resets the count: a refused member can take over again at once', async () => {
    await open({ TAKEOVER_LIMIT: '1' });
    const [a, b] = [device(0), device(1)];
    await a.login(EMAIL, PASSWORD);
    await b.loginKeepingHere(EMAIL, PASSWORD);
    expect((await a.loginKeepingHere(EMAIL, PASSWORD)).statusCode).toBe(429);
    world.runtime.advance(1000);
    await world.database.db
      .updateTable('members')
      .set({ takeovers_reset_at: world.runtime.now() })
      .where('id', '=', memberId)
      .execute();
    world.runtime.advance(1000);
    expect((await a.loginKeepingHere(EMAIL, PASSWORD)).statusCode).toBe(303);
  });

  it("a membership rule's takeoverLimit overrides TAKEOVER_LIMIT for the member it registers; 0 turns it off", async () => {
    const rules = JSON.stringify([{ title: 'Daftar Member KEI', action: 'member', takeoverLimit: 2 }]);
    await open({ TAKEOVER_LIMIT: '0', PRODUCT_RULES: rules });
    const [a, b] = [device(0), device(1)];
    await a.login(EMAIL, PASSWORD);
    // No limit: six turns pass.
    for (let i = 0; i < 6; i++) expect((await (i % 2 ? a : b).loginKeepingHere(EMAIL, PASSWORD)).statusCode).toBe(303);
    // The member buys the membership (again): its rule's limit now applies to them, counting the last 24 hours.
    const paid = await postLynk(
      world.app,
      payment({ email: EMAIL, items: [{ title: 'Daftar Member KEI', uuid: '', qty: 1, price: 1000 }] }),
    );
    expect(paid.statusCode).toBe(200);
    const row = await world.database.db
      .selectFrom('members')
      .select('takeover_limit')
      .where('id', '=', memberId)
      .executeTakeFirstOrThrow();
    expect(row.takeover_limit).toBe(2);
    expect((await b.loginKeepingHere(EMAIL, PASSWORD)).statusCode).toBe(429);
  });

  it('of concurrent takeovers at the limit exactly the limit succeed', async () => {
    await open({ TAKEOVER_LIMIT: '2' });
    const owner = device(0);
    await owner.login(EMAIL, PASSWORD);
    const rivals = [1, 2, 3, 4, 5].map(device);
    // Each rival saw the dialog and holds its own "Tetap gunakan di sini" token.
    const tokens: string[] = [];
    for (const r of rivals) tokens.push(takeoverToken((await r.login(EMAIL, PASSWORD)).body));
    const answers = await Promise.all(
      rivals.map((r, i) => r.post('/login/ambil-alih', { token: tokens[i] ?? '', fingerprint: r.fingerprint })),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([303, 303, 429, 429, 429]);
    expect(await events('takeover')).toBe(2);
    expect(await events('takeover_refused')).toBe(3);
  });
});
