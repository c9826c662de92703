import { describe, expect, it } from 'vitest';
import { consumeRateLimit, refundRateLimit } from '../../src/auth/rate-limit.js';
import { addMember, cookieHeader, location, PASSWORD, TestDevice } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const EMAIL = 'ani@example.com';
const WRONG = 'bukan kata sandinya';
const MINUTE = 60_000;

describe.each(DIALECTS)('login rate limits (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect, (w) => addMember(w, EMAIL));
  const open = async (env: Record<string, string> = {}) => (world = await openWorld(env));

  /** Each attempt from its own address, so only the per-account limit is in play. */
  let attempts = 0;
  const fromNewIp = () => {
    attempts += 1;
    return new TestDevice(world.app, { ip: `10.1.${Math.floor(attempts / 250)}.${(attempts % 250) + 1}` });
  };

  describe('per account', () => {
    it('after 5 wrong passwords even the right one gets 429 with Retry-After and the wait in the message', async () => {
      await open();
      for (let i = 0; i < 5; i++) expect((await fromNewIp().login(EMAIL, WRONG)).statusCode).toBe(401);
      const browser = fromNewIp();
      const res = await browser.login(EMAIL, PASSWORD);
      expect(res.statusCode).toBe(429);
      const retryAfter = Number(res.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      expect(res.body).toContain('Terlalu banyak percobaan masuk. Coba lagi dalam 15 menit.');
      expect(browser.cookies.has('gerbang_session')).toBe(false);
    });

    it('answers 429 as JSON to a client that asks for it', async () => {
      await open();
      for (let i = 0; i < 5; i++) await fromNewIp().login(EMAIL, WRONG);
      const res = await fromNewIp().post(
        '/login',
        { email: EMAIL, password: PASSWORD },
        { accept: 'application/json' },
      );
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('the wait shrinks as time passes, and after the window the right password works', async () => {
      await open();
      for (let i = 0; i < 5; i++) await fromNewIp().login(EMAIL, WRONG);
      world.runtime.advance(14 * MINUTE);
      const late = await fromNewIp().login(EMAIL, PASSWORD);
      expect(late.statusCode).toBe(429);
      expect(Number(late.headers['retry-after'])).toBe(60);
      expect(late.body).toContain('sekitar 1 menit');
      world.runtime.advance(MINUTE);
      const res = await fromNewIp().login(EMAIL, PASSWORD);
      expect(res.statusCode).toBe(303);
      expect(location(res)).toBe('/member');
    });

    it('the limit counts the address as typed in any case', async () => {
      await open();
      for (const email of ['ANI@example.com', 'Ani@Example.com', ' ani@example.com', 'ani@EXAMPLE.com', EMAIL])
        await fromNewIp().login(email, WRONG);
      expect((await fromNewIp().login(EMAIL, PASSWORD)).statusCode).toBe(429);
    });

    it('a successful login resets the account counter', async () => {
      await open();
      const owner = new TestDevice(world.app, { ip: '192.0.2.1' });
      for (let i = 0; i < 4; i++) await fromNewIp().login(EMAIL, WRONG);
      expect((await owner.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      // Without the reset the counter would reach 5 on the first of these and refuse the rest.
      for (let i = 0; i < 4; i++) expect((await fromNewIp().login(EMAIL, WRONG)).statusCode).toBe(401);
      expect((await owner.login(EMAIL, PASSWORD)).statusCode).toBe(303);
    });

    it('a burst of parallel guesses gets no more password checks than the limit allows', async () => {
      await open();
      const answers = await Promise.all(Array.from({ length: 20 }, () => fromNewIp().login(EMAIL, WRONG)));
      const checked = answers.filter((r) => r.statusCode === 401).length;
      expect(answers.filter((r) => r.statusCode === 429).length).toBe(20 - checked);
      expect(checked).toBeLessThanOrEqual(5);
    });
  });

  describe('per IP (LOGIN_MAX_ATTEMPTS_PER_IP=3)', () => {
    it('refuses a fourth attempt from one address, for any account, while another address is fine', async () => {
      await open({ LOGIN_MAX_ATTEMPTS_PER_IP: '3' });
      await addMember(world, 'budi@example.com');
      const attacker = new TestDevice(world.app, { ip: '203.0.113.9' });
      for (const email of ['x@example.com', 'y@example.com', 'z@example.com'])
        expect((await attacker.login(email, WRONG)).statusCode).toBe(401);
      const refused = await attacker.login('budi@example.com', PASSWORD);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

      const elsewhere = new TestDevice(world.app, { ip: '198.51.100.7' });
      expect((await elsewhere.login('budi@example.com', PASSWORD)).statusCode).toBe(303);
    });

    it('counts failures only: an office or carrier NAT full of members logging in is never locked out', async () => {
      await open({ LOGIN_MAX_ATTEMPTS_PER_IP: '3' });
      const office = new TestDevice(world.app, { ip: '203.0.113.10' });
      for (let i = 0; i < 10; i++) expect((await office.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      for (let i = 0; i < 3; i++) expect((await office.login('x@example.com', WRONG)).statusCode).toBe(401);
      // Three failures: the address limit is reached, for the right password too.
      expect((await office.login(EMAIL, PASSWORD)).statusCode).toBe(429);
    });

    it('an X-Forwarded-For header does not move the attempt to another address (TRUST_PROXY off)', async () => {
      await open({ LOGIN_MAX_ATTEMPTS_PER_IP: '3' });
      const attacker = new TestDevice(world.app, { ip: '203.0.113.11' });
      for (let i = 0; i < 3; i++) await attacker.login('x@example.com', WRONG);
      const csrf = await attacker.csrfToken();
      const res = await world.app.inject({
        method: 'POST',
        url: '/login',
        remoteAddress: '203.0.113.11',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': '192.0.2.99',
          cookie: cookieHeader(attacker.cookies),
        },
        payload: new URLSearchParams({ _csrf: csrf, email: EMAIL, password: PASSWORD }).toString(),
      });
      expect(res.statusCode).toBe(429);
    });
  });

  describe('login-link requests', () => {
    const ask = (device: TestDevice, email: string) => {
      // A second apart: one address's requests within the same millisecond share one mail.
      world.runtime.advance(1000);
      return device.post('/login/tautan/kirim', { email }, { accept: 'application/json' });
    };
    const mails = () => world.database.db.selectFrom('mail_outbox').selectAll().execute();

    it('known and unknown addresses get the identical answer', async () => {
      await open();
      const known = await fromNewIp().post('/login/tautan/kirim', { email: EMAIL });
      world.runtime.advance(1000);
      const unknown = await fromNewIp().post('/login/tautan/kirim', { email: 'nobody@example.com' });
      for (const res of [known, unknown]) {
        expect(res.statusCode).toBe(303);
        expect(location(res)).toBe('/login?alasan=tautan');
        expect(res.body).toBe('');
      }
      const knownJson = await ask(fromNewIp(), EMAIL);
      const unknownJson = await ask(fromNewIp(), 'nobody@example.com');
      expect([knownJson.statusCode, unknownJson.statusCode]).toEqual([202, 202]);
      expect(knownJson.body).toBe(unknownJson.body);
      expect((await mails()).map((m) => m.to_address)).toEqual([EMAIL, EMAIL]);
    });

    it('three links per address per window, then 429 with Retry-After, for known and unknown addresses alike', async () => {
      await open();
      for (const email of [EMAIL, 'nobody@example.com']) {
        for (let i = 0; i < 3; i++) expect((await ask(fromNewIp(), email)).statusCode).toBe(202);
        const refused = await ask(fromNewIp(), email);
        expect(refused.statusCode).toBe(429);
        expect(refused.json().error.code).toBe('RATE_LIMITED');
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect(await mails()).toHaveLength(3);
      world.runtime.advance(15 * MINUTE);
      expect((await ask(fromNewIp(), EMAIL)).statusCode).toBe(202);
      expect(await mails()).toHaveLength(4);
    });

    it('one address cannot ask for links to many inboxes (LOGIN_MAX_ATTEMPTS_PER_IP=3)', async () => {
      await open({ LOGIN_MAX_ATTEMPTS_PER_IP: '3' });
      const sender = new TestDevice(world.app, { ip: '203.0.113.12' });
      for (const email of ['p@example.com', 'q@example.com', 'r@example.com'])
        expect((await ask(sender, email)).statusCode).toBe(202);
      expect((await ask(sender, EMAIL)).statusCode).toBe(429);
      expect(await mails()).toHaveLength(0);
      expect((await ask(fromNewIp(), EMAIL)).statusCode).toBe(202);
    });
  });
});

describe.each(DIALECTS)('rate limit refunds (%s)', (dialect) => {
  const openWorld = worldPerTest(dialect);

  it('a refund takes its attempt back only from the window it was counted in', async () => {
    const world = await openWorld();
    const { db } = world.database;
    const rule = { key: 'login:ip:198.51.100.7', limit: 5, windowMs: MINUTE };
    const count = async () =>
      Number(
        (await db.selectFrom('rate_limits').select('count').where('key', '=', rule.key).executeTakeFirst())?.count,
      );

    const first = await consumeRateLimit(db, rule, world.runtime.now());
    if (!first.ok) throw new Error('the first attempt is within the limit');
    // The password check outlived the window, and another attempt began a new one meanwhile.
    world.runtime.advance(2 * MINUTE);
    const second = await consumeRateLimit(db, rule, world.runtime.now());
    if (!second.ok) throw new Error('a new window starts at 1');
    expect(await count()).toBe(1);
    await refundRateLimit(db, first.counted);
    expect(await count()).toBe(1);
    await refundRateLimit(db, second.counted);
    expect(await count()).toBe(0);
    // Never below zero.
    await refundRateLimit(db, second.counted);
    expect(await count()).toBe(0);
  });
});
