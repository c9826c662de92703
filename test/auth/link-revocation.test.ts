import { describe, expect, it } from 'vitest';
import { issueSetPasswordToken } from '../../src/members/index.js';
import { addAdmin, auditEntries, csrfOf, signInAdmin } from '../helpers/admin.js';
import { addMember, linkIn, location, PASSWORD, TestDevice, takeoverToken, tokenOf } from '../helpers/auth.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, devMailWorker, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';
const NEW_PASSWORD = 'kalimat baru yang cukup panjang';

describe.each(DIALECTS)('emailed links end with the credentials they were sent for (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect, (w) => addAdmin(w));
  const db = () => world.database.db;

  /** A member bought through Lynk; the registration mail delivered. Returns the member and the mail's links. */
  const open = async () => {
    world = await openWorld();
    const res = await postLynk(world.app, payment({ email: ANI, items: [{ title: 'Daftar Member KEI' }] }));
    expect(res.json().outcome).toBe('processed');
    const member = await db().selectFrom('members').select('id').where('email', '=', ANI).executeTakeFirstOrThrow();
    return { memberId: member.id, ...(await latestMailLinks()) };
  };
  const latestMail = async () => {
    await devMailWorker(world).drain();
    const mail = await db()
      .selectFrom('mail_outbox')
      .select('text_body')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    return mail.text_body;
  };
  const latestMailLinks = async () => {
    const text = await latestMail();
    return { login: linkIn(text, '/login/tautan'), setPassword: linkIn(text, '/akun/atur-sandi') };
  };
  const requestLoginLink = async () => {
    expect((await new TestDevice(world.app).post('/login/tautan/kirim', { email: ANI })).statusCode).toBe(303);
    return linkIn(await latestMail(), '/login/tautan');
  };
  const setPassword = async (link: string) => {
    const browser = new TestDevice(world.app);
    const form = await browser.get(link);
    return browser.post(
      '/akun/atur-sandi',
      { token: tokenOf(link), password: NEW_PASSWORD, password_confirm: NEW_PASSWORD },
      { csrf: form.statusCode === 200 ? csrfOf(form.body) : undefined },
    );
  };
  /** The link's page and its use both answer "Tautan tidak berlaku", and nobody is signed in. */
  const expectDead = async (link: string) => {
    const browser = new TestDevice(world.app);
    const page = await browser.get(link);
    expect(page.statusCode, link).toBe(410);
    expect(page.body).toContain('Tautan tidak berlaku');
    const used = link.startsWith('/login/tautan')
      ? await browser.post('/login/tautan', { token: tokenOf(link), fingerprint: browser.fingerprint })
      : await browser.post('/akun/atur-sandi', {
          token: tokenOf(link),
          password: 'kalimat penyusup yang panjang',
          password_confirm: 'kalimat penyusup yang panjang',
        });
    expect(used.statusCode, link).toBe(410);
    expect(used.body).toContain('Tautan tidak berlaku');
    expect(browser.cookies.has('gerbang_session')).toBe(false);
    expect((await browser.get('/api/session')).statusCode).toBe(401);
  };
  const consoleAction = async (memberId: number, action: string) => {
    const admin = await signInAdmin(world);
    const page = await admin.get(`/admin/member/${memberId}`);
    return admin.post(`/admin/member/${memberId}/${action}`, {}, { csrf: csrfOf(page.body) });
  };

  it('a new password revokes the login links and set-password links sent before it', async () => {
    const { memberId, login, setPassword: registrationLink } = await open();
    const requested = await requestLoginLink();
    const spare = await issueSetPasswordToken(db(), {
      memberId,
      now: world.runtime.now(),
      ttlMs: 3_600_000,
      randomBytes: world.runtime.randomBytes,
    });
    expect((await setPassword(registrationLink)).statusCode).toBe(303);
    for (const link of [login, requested, `/akun/atur-sandi?token=${spare.token}`]) await expectDead(link);
    // The new password is what works now (the browser that set it holds the one session: a takeover).
    expect(location(await new TestDevice(world.app).loginKeepingHere(ANI, NEW_PASSWORD))).toBe('/member');
  });

  it("an operator's force logout revokes every outstanding link of the member", async () => {
    const { memberId, login, setPassword: registrationLink } = await open();
    const requested = await requestLoginLink();
    const res = await consoleAction(memberId, 'keluarkan');
    expect(location(res)).toBe(`/admin/member/${memberId}?pesan=keluar`);
    for (const link of [login, requested, registrationLink]) await expectDead(link);
    const [entry] = await auditEntries(world, 'member.force_logout');
    expect(JSON.parse(entry?.details ?? '{}')).toMatchObject({ revokedLinks: 3 });
  });

  it("a resent registration mail revokes the earlier mail's links; the new mail's links work", async () => {
    const { memberId, login, setPassword: registrationLink } = await open();
    world.runtime.advance(1000);
    const res = await consoleAction(memberId, 'kirim-ulang-pendaftaran');
    expect(location(res)).toBe(`/admin/member/${memberId}?pesan=pendaftaran`);
    const fresh = await latestMailLinks();
    for (const link of [login, registrationLink]) await expectDead(link);
    const browser = new TestDevice(world.app);
    const used = await browser.post('/login/tautan', { token: tokenOf(fresh.login), fingerprint: browser.fingerprint });
    expect(location(used)).toBe('/member');
    expect((await setPassword(fresh.setPassword)).statusCode).toBe(303);
  });

  it('a takeover pending with the old password cannot be confirmed after the password changed', async () => {
    world = await openWorld();
    const memberId = await addMember(world, 'budi@example.com');
    const first = await new TestDevice(world.app).login('budi@example.com', PASSWORD);
    expect(first.statusCode, first.body).toBe(303);
    const thief = new TestDevice(world.app);
    const conflict = await thief.login('budi@example.com', PASSWORD);
    expect(conflict.statusCode).toBe(409);
    const { token } = await issueSetPasswordToken(db(), {
      memberId,
      now: world.runtime.now(),
      ttlMs: 3_600_000,
      randomBytes: world.runtime.randomBytes,
    });
    expect((await setPassword(`/akun/atur-sandi?token=${token}`)).statusCode).toBe(303);
    const keep = await thief.post('/login/ambil-alih', {
      token: takeoverToken(conflict.body),
      fingerprint: thief.fingerprint,
    });
    expect(keep.statusCode).toBe(410);
    expect((await thief.get('/api/session')).statusCode).toBe(401);
  });
});
