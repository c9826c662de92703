import { describe, expect, it } from 'vitest';
import {
  addMember,
  linkIn,
  location,
  PASSWORD,
  TestDevice,
  takeoverToken,
  tokenOf,
  USER_AGENTS,
} from '../helpers/auth.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, devMailWorker, worldPerTest } from '../helpers/world.js';

const EMAIL = 'ani@example.com';
const MINUTE = 60_000;

describe.each(DIALECTS)('emailed login links (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect);
  const open = async (env: Record<string, string> = {}) => (world = await openWorld(env));
  const db = () => world.database.db;
  const outbox = () => db().selectFrom('mail_outbox').selectAll().orderBy('id').execute();

  /** Asks for a link as a browser would, delivers the mail, and returns the link's path. */
  const requestLink = async (email = EMAIL): Promise<string> => {
    const res = await new TestDevice(world.app).post('/login/tautan/kirim', { email });
    expect(res.statusCode).toBe(303);
    expect(await devMailWorker(world).drain()).toBe(1);
    const mail = (await outbox()).at(-1);
    expect(mail).toMatchObject({ kind: 'login_link', to_address: email, status: 'sent' });
    return linkIn(mail?.text_body ?? null, '/login/tautan');
  };
  const useLink = (device: TestDevice, link: string) =>
    device.post('/login/tautan', { token: tokenOf(link), fingerprint: device.fingerprint });

  describe('asking for a link', () => {
    it('queues a login_link mail only for an active member, with the same redirect every time', async () => {
      await open();
      await addMember(world, EMAIL);
      await addMember(world, 'mati@example.com', { status: 'disabled' });
      for (const email of [EMAIL, 'nobody@example.com', 'mati@example.com']) {
        world.runtime.advance(1000);
        const res = await new TestDevice(world.app).post('/login/tautan/kirim', { email });
        expect(res.statusCode).toBe(303);
        expect(location(res)).toBe('/login?alasan=tautan');
      }
      const mails = await outbox();
      expect(mails.map((m) => [m.kind, m.to_address])).toEqual([['login_link', EMAIL]]);
      // Rendered at send time: no live token sits in the outbox while the mail waits.
      expect(mails[0]?.text_body).toBeNull();
      expect(await db().selectFrom('one_time_tokens').selectAll().execute()).toHaveLength(0);
      const notice = await new TestDevice(world.app).get('/login?alasan=tautan');
      expect(notice.body).toContain('Jika email tersebut terdaftar, tautan masuk sudah kami kirim.');
    });

    it('the address is matched without regard to case', async () => {
      await open();
      await addMember(world, EMAIL);
      const res = await new TestDevice(world.app).post('/login/tautan/kirim', { email: ' ANI@Example.com ' });
      expect(res.statusCode).toBe(303);
      expect((await outbox()).map((m) => m.to_address)).toEqual([EMAIL]);
    });

    it('a malformed address → 400 with the form again', async () => {
      await open();
      const res = await new TestDevice(world.app).post('/login/tautan/kirim', { email: 'a' });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('Isi email dengan benar.');
    });
  });

  describe('using a link', () => {
    it('GET shows a button and does not use the link up; POST signs in', async () => {
      await open();
      await addMember(world, EMAIL);
      const link = await requestLink();
      const browser = new TestDevice(world.app);
      for (let i = 0; i < 2; i++) {
        const page = await browser.get(link);
        expect(page.statusCode).toBe(200);
        expect(page.body).toContain('id="use-link"');
        expect(page.body).toContain(`Masuk sebagai ${EMAIL}`);
        expect(page.headers['referrer-policy']).toBe('no-referrer');
        expect(page.headers['cache-control']).toBe('no-store');
      }
      const token = await db()
        .selectFrom('one_time_tokens')
        .selectAll()
        .where('purpose', '=', 'login_link')
        .executeTakeFirstOrThrow();
      expect(token.used_at).toBeNull();
      expect(JSON.stringify(token)).not.toContain(tokenOf(link));

      const res = await useLink(browser, link);
      expect(res.statusCode).toBe(303);
      expect(location(res)).toBe('/member');
      const session = await browser.get('/api/session');
      expect(session.statusCode).toBe(200);
      expect(session.json().member.email).toBe(EMAIL);
    });

    it('a link works once: a second use → 410, and its page → 410', async () => {
      await open();
      await addMember(world, EMAIL);
      const link = await requestLink();
      const browser = new TestDevice(world.app);
      expect((await useLink(browser, link)).statusCode).toBe(303);
      const again = await useLink(new TestDevice(world.app), link);
      expect(again.statusCode).toBe(410);
      expect(again.body).toContain('Tautan tidak berlaku');
      expect((await browser.get(link)).statusCode).toBe(410);
    });

    it('a link expires after LOGIN_LINK_TTL_MINUTES (30)', async () => {
      await open();
      await addMember(world, EMAIL);
      const link = await requestLink();
      world.runtime.advance(30 * MINUTE + 1);
      const browser = new TestDevice(world.app);
      expect((await browser.get(link)).statusCode).toBe(410);
      expect((await useLink(browser, link)).statusCode).toBe(410);
      expect((await browser.get('/api/session')).statusCode).toBe(401);
    });

    it('the mail states the validity and a link is still good just before it ends', async () => {
      await open({ LOGIN_LINK_TTL_MINUTES: '10' });
      await addMember(world, EMAIL);
      const link = await requestLink();
      const mail = (await outbox())[0];
      expect(mail?.text_body).toContain('berlaku 10 menit');
      world.runtime.advance(10 * MINUTE - 1000);
      expect((await useLink(new TestDevice(world.app), link)).statusCode).toBe(303);
    });

    it('an unknown token → 410; a link of another kind is not a login link', async () => {
      await open();
      const browser = new TestDevice(world.app);
      expect((await browser.get(`/login/tautan?token=${'A'.repeat(43)}`)).statusCode).toBe(410);
      expect((await useLink(browser, `/login/tautan?token=${'A'.repeat(43)}`)).statusCode).toBe(410);
      // Without a token the page is the request form.
      const form = await browser.get('/login/tautan');
      expect(form.statusCode).toBe(200);
      expect(form.body).toContain('action="/login/tautan/kirim"');
    });

    it('follows the device rule: another live device gets the conflict dialog first', async () => {
      await open();
      await addMember(world, EMAIL);
      const a = new TestDevice(world.app, { userAgent: USER_AGENTS.firefoxLinux });
      expect((await a.login(EMAIL, PASSWORD)).statusCode).toBe(303);
      const link = await requestLink();
      const b = new TestDevice(world.app, { userAgent: USER_AGENTS.safariIphone });
      const conflict = await useLink(b, link);
      expect(conflict.statusCode).toBe(409);
      expect(conflict.body).toContain('Konflik Sesi Terdeteksi');
      expect(conflict.body).toContain('Firefox 128');
      expect((await b.get('/api/session')).statusCode).toBe(401);

      const keep = await b.post('/login/ambil-alih', {
        token: takeoverToken(conflict.body),
        fingerprint: b.fingerprint,
      });
      expect(keep.statusCode).toBe(303);
      expect((await b.get('/api/session')).statusCode).toBe(200);
      expect(location(await a.get('/member'))).toBe('/login?alasan=takeover');
      // The link itself was used by the attempt.
      expect((await useLink(new TestDevice(world.app), link)).statusCode).toBe(410);
    });

    it('a disabled member cannot use a link issued before', async () => {
      await open();
      const memberId = await addMember(world, EMAIL);
      const link = await requestLink();
      await db().updateTable('members').set({ status: 'disabled' }).where('id', '=', memberId).execute();
      const browser = new TestDevice(world.app);
      expect((await useLink(browser, link)).statusCode).toBe(403);
      expect((await browser.get('/api/session')).statusCode).toBe(401);
    });
  });

  describe('the registration mail', () => {
    it('a new member from a Lynk payment gets a working one-time login link', async () => {
      await open();
      const res = await postLynk(
        world.app,
        payment({ email: 'Budi@Example.com', items: [{ title: 'Daftar Member KEI' }] }),
      );
      expect(res.json().outcome).toBe('processed');
      expect(await devMailWorker(world).drain()).toBe(1);
      const [mail] = await outbox();
      expect(mail).toMatchObject({ kind: 'registration', to_address: 'budi@example.com' });
      const link = linkIn(mail?.text_body ?? null, '/login/tautan');
      expect(linkIn(mail?.text_body ?? null, '/akun/atur-sandi')).toBeTruthy();

      const browser = new TestDevice(world.app);
      const page = await browser.get(link);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Masuk sebagai budi@example.com');
      expect((await useLink(browser, link)).statusCode).toBe(303);
      const session = await browser.get('/api/session');
      expect(session.json().member.email).toBe('budi@example.com');
      expect((await useLink(new TestDevice(world.app), link)).statusCode).toBe(410);
    });
  });
});
