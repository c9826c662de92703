import { describe, expect, it } from 'vitest';
import { resendRegistration } from '../../src/admin/member-service.js';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { issueSetPasswordToken } from '../../src/members/index.js';
import { ADMIN, addAdmin, auditEntries } from '../helpers/admin.js';
import { linkIn, location, PASSWORD, TestDevice, tokenOf } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, devMailWorker, worldPerTest } from '../helpers/world.js';

const ATTACKER_IP = '198.51.100.23';
const ADMIN_IP = '203.0.113.7';

describe.each(DIALECTS)("the admin's way in past a lockout, never without the password (%s)", (dialect) => {
  let world: World;
  let adminId: number;
  const openWorld = worldPerTest(dialect, async (w) => {
    adminId = await addAdmin(w);
  });
  const open = async (env: Record<string, string> = {}) => (world = await openWorld(env));
  const db = () => world.database.db;

  /** Six wrong guesses from someone else: the account limit (5 per window) is spent. */
  const lockOut = async () => {
    for (let i = 0; i < 6; i++) await new TestDevice(world.app, { ip: ATTACKER_IP }).login(ADMIN, `tebakan ${i}`);
  };
  /** Asks for a login link from the admin's browser and returns the link in the delivered mail. */
  const mailedLink = async (browser: TestDevice) => {
    expect((await browser.post('/login/tautan/kirim', { email: ADMIN })).statusCode).toBe(303);
    await devMailWorker(world).drain();
    const mail = await db().selectFrom('mail_outbox').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(mail).toMatchObject({ kind: 'login_link', to_address: ADMIN });
    expect(mail.text_body).toContain('tetap diminta kata sandi admin');
    return linkIn(mail.text_body, '/login/tautan');
  };
  const useLink = (browser: TestDevice, link: string, password?: string) =>
    browser.post('/login/tautan', {
      token: tokenOf(link),
      fingerprint: browser.fingerprint,
      ...(password === undefined ? {} : { password }),
    });

  it('a locked-out admin gets the lockout answer with the link offer, and the lockout is audited', async () => {
    await open();
    await lockOut();
    const admin = new TestDevice(world.app, { ip: ADMIN_IP });
    const refused = await admin.login(ADMIN, PASSWORD);
    expect(refused.statusCode).toBe(429);
    expect(refused.body).toContain('Atau masuk sekarang lewat tautan yang kami kirim ke email Anda');
    expect(refused.body).toContain('href="/login/tautan"');
    const [entry, ...more] = await auditEntries(world, 'login.failures_exceeded');
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ actor_type: 'system', ip: ATTACKER_IP, target_type: 'account', target_id: ADMIN });
  });

  it('the emailed link still asks for the admin password, and then signs in past the lockout', async () => {
    await open();
    await lockOut();
    const admin = new TestDevice(world.app, { ip: ADMIN_IP });
    const link = await mailedLink(admin);
    const page = await admin.get(link);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="password"');
    expect(page.body).toContain('tautan dari email tetap memerlukan kata sandi admin');

    // The link alone opens nothing, and neither does a wrong password through it.
    const bare = await useLink(admin, link);
    expect(bare.statusCode).toBe(401);
    expect(bare.body).toContain('Masukkan kata sandi admin.');
    const wrong = await useLink(admin, link, 'bukan kata sandinya');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('Email atau kata sandi salah.');
    expect(admin.cookies.has('gerbang_session')).toBe(false);
    expect((await admin.get('/admin')).statusCode).toBe(303);

    const signedIn = await useLink(admin, link, PASSWORD);
    expect(location(signedIn)).toBe('/admin');
    expect((await admin.get('/admin')).statusCode).toBe(200);
    // Mailbox and password proven: the lockout is lifted, the password form works again.
    expect(location(await new TestDevice(world.app, { ip: ADMIN_IP }).login(ADMIN, PASSWORD))).toBe('/admin');
    // Used once, the link is gone.
    expect((await useLink(new TestDevice(world.app), link, PASSWORD)).statusCode).toBe(410);
  });

  it('as JSON, an admin link without the password is 401 and starts no session', async () => {
    await open();
    const admin = new TestDevice(world.app, { ip: ADMIN_IP });
    const link = await mailedLink(admin);
    const res = await admin.post(
      '/login/tautan',
      { token: tokenOf(link), fingerprint: admin.fingerprint },
      { accept: 'application/json' },
    );
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('INVALID_CREDENTIALS');
    expect(await db().selectFrom('sessions').select('id').execute()).toEqual([]);
  });

  it('guessing through a link has its own limit: past it the link ends, audited', async () => {
    await open({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    const holder = new TestDevice(world.app, { ip: ATTACKER_IP });
    const link = await mailedLink(holder);
    for (let i = 0; i < 3; i++) expect((await useLink(holder, link, `tebakan ${i}`)).statusCode).toBe(401);
    expect((await useLink(holder, link, 'tebakan 4')).statusCode).toBe(410);
    expect((await useLink(holder, link, PASSWORD)).statusCode).toBe(410);
    expect((await holder.get(link)).statusCode).toBe(410);
    const entries = await auditEntries(world, 'login.link_failures_exceeded');
    expect(entries.map((e) => [e.target_type, e.target_id, e.ip])).toEqual([['account', ADMIN, ATTACKER_IP]]);
  });

  it('someone spending the link requests only fills the admin mailbox with links that work', async () => {
    await open();
    await lockOut();
    const attacker = new TestDevice(world.app, { ip: ATTACKER_IP });
    for (let i = 0; i < 3; i++)
      expect((await attacker.post('/login/tautan/kirim', { email: ADMIN })).statusCode).toBe(303);
    expect((await attacker.post('/login/tautan/kirim', { email: ADMIN })).statusCode).toBe(429);
    await devMailWorker(world).drain();
    const mail = await db().selectFrom('mail_outbox').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    const admin = new TestDevice(world.app, { ip: ADMIN_IP });
    expect(location(await useLink(admin, linkIn(mail.text_body, '/login/tautan'), PASSWORD))).toBe('/admin');
  });

  it("an admin's password is never set through a mailed link", async () => {
    await open();
    const deps = { db: db(), dialect: world.dialect, runtime: world.runtime, bus: world.bus };
    expect(await resendRegistration(deps, adminId, CLI_ACTOR)).toBe(false);
    expect(await db().selectFrom('mail_outbox').select('id').execute()).toEqual([]);
    const { token } = await issueSetPasswordToken(db(), {
      memberId: adminId,
      now: world.runtime.now(),
      ttlMs: 3_600_000,
      randomBytes: world.runtime.randomBytes,
    });
    const browser = new TestDevice(world.app);
    expect((await browser.get(`/akun/atur-sandi?token=${token}`)).statusCode).toBe(410);
    const posted = await browser.post('/akun/atur-sandi', {
      token,
      password: 'sandi baru tanpa kata sandi lama',
      password_confirm: 'sandi baru tanpa kata sandi lama',
    });
    expect(posted.statusCode).toBe(410);
    expect(location(await new TestDevice(world.app).login(ADMIN, PASSWORD))).toBe('/admin');
  });
});
