import { describe, expect, it } from 'vitest';
import { linkIn, location, TestDevice, tokenOf } from '../helpers/auth.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, devMailWorker, worldPerTest } from '../helpers/world.js';

const VICTIM = 'korban@example.com';
/** The phone number the one who bought first typed: under INITIAL_PASSWORD_POLICY=phone, the password. */
const ATTACKER_PHONE = '089900001111';
const VICTIM_PHONE = '081277778888';
const NEW_PASSWORD = 'kalimat pemilik email yang panjang';

describe.each(DIALECTS)('INITIAL_PASSWORD_POLICY=phone: the mailbox is proven first (%s)', (dialect) => {
  let world: World;
  const open = worldPerTest(dialect);
  const db = () => world.database.db;

  /** Someone buys membership with the victim's email and their own phone. */
  const preRegister = async () => {
    world = await open({ INITIAL_PASSWORD_POLICY: 'phone' });
    const res = await postLynk(
      world.app,
      payment({ email: VICTIM, phone: ATTACKER_PHONE, items: [{ title: 'Daftar Member KEI' }] }),
    );
    expect(res.json().outcome).toBe('processed');
  };
  const mailsTo = async (address: string) => {
    await devMailWorker(world).drain();
    return db()
      .selectFrom('mail_outbox')
      .select(['kind', 'subject', 'text_body'])
      .where('to_address', '=', address)
      .orderBy('id')
      .execute();
  };
  const useLoginLink = (browser: TestDevice, link: string) =>
    browser.post('/login/tautan', { token: tokenOf(link), fingerprint: browser.fingerprint });

  it('the phone password of a never-proven account signs nobody in and says to open the emailed link', async () => {
    await preRegister();
    const attacker = new TestDevice(world.app);
    const res = await attacker.login(VICTIM, ATTACKER_PHONE);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('buka tautan masuk yang kami kirim ke email Anda');
    expect(attacker.cookies.has('gerbang_session')).toBe(false);
    expect((await attacker.get('/api/session')).statusCode).toBe(401);
    const json = await attacker.post(
      '/login',
      { email: VICTIM, password: ATTACKER_PHONE },
      { accept: 'application/json' },
    );
    expect(json.statusCode).toBe(403);
    expect(json.json().error.code).toBe('EMAIL_NOT_PROVEN');
    expect(await db().selectFrom('sessions').select('id').execute()).toEqual([]);

    // A stranger without the password learns nothing more than the generic failure.
    const wrong = await new TestDevice(world.app).login(VICTIM, 'tebakan-salah');
    const unknown = await new TestDevice(world.app).login('tidak-ada@example.com', 'tebakan-salah');
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.body).toContain('Email atau kata sandi salah.');
    expect(wrong.body).not.toContain('tautan masuk yang kami kirim');
  });

  it("the registration mail's login link proves the mailbox; from then on the phone password works", async () => {
    await preRegister();
    const [registration] = await mailsTo(VICTIM);
    expect(registration?.text_body).toContain('baru bisa dipakai setelah Anda masuk sekali lewat tautan');
    const owner = new TestDevice(world.app);
    expect(location(await useLoginLink(owner, linkIn(registration?.text_body ?? null, '/login/tautan')))).toBe(
      '/member',
    );
    const member = await db()
      .selectFrom('members')
      .select('needs_email_proof')
      .where('email', '=', VICTIM)
      .executeTakeFirstOrThrow();
    expect(member.needs_email_proof).toBe(0);
    expect(location(await owner.login(VICTIM, ATTACKER_PHONE))).toBe('/member');
  });

  it('a later purchase by the email owner reaches the mailbox, whose set-password link shuts the first buyer out', async () => {
    await preRegister();
    world.runtime.advance(60_000);
    const second = await postLynk(
      world.app,
      payment({ email: VICTIM, phone: VICTIM_PHONE, name: 'Pemilik Email', items: [{ title: 'Daftar Member KEI' }] }),
    );
    expect(second.json().outcome).toBe('processed');
    expect(await db().selectFrom('members').select('id').execute()).toHaveLength(1);
    const mails = await mailsTo(VICTIM);
    expect(mails.map((m) => m.subject)).toEqual([
      expect.stringContaining('Pendaftaran Member Berhasil'),
      expect.stringContaining('Pembelian Member Berhasil'),
    ]);
    const notice = mails[1]?.text_body ?? null;
    expect(notice).toContain('sudah terdaftar sebelumnya');
    expect(notice).toContain('Jika Anda belum pernah mendaftar');

    const owner = new TestDevice(world.app);
    const link = linkIn(notice, '/akun/atur-sandi');
    const form = await owner.get(link);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
    const saved = await owner.post(
      '/akun/atur-sandi',
      { token: tokenOf(link), password: NEW_PASSWORD, password_confirm: NEW_PASSWORD },
      { csrf },
    );
    // The owner is signed in at once; the first buyer's phone password is gone.
    expect([saved.statusCode, location(saved)]).toEqual([303, '/member?sandi=baru']);
    expect((await new TestDevice(world.app).login(VICTIM, ATTACKER_PHONE)).statusCode).toBe(401);
    expect(location(await new TestDevice(world.app).loginKeepingHere(VICTIM, NEW_PASSWORD))).toBe('/member');
  });

  it('under the random policy nothing is left to prove, and a repeat purchase is mailed as well', async () => {
    world = await open();
    const buy = () => postLynk(world.app, payment({ email: VICTIM, items: [{ title: 'Daftar Member KEI' }] }));
    await buy();
    world.runtime.advance(1000);
    await buy();
    const member = await db()
      .selectFrom('members')
      .select('needs_email_proof')
      .where('email', '=', VICTIM)
      .executeTakeFirstOrThrow();
    expect(member.needs_email_proof).toBe(0);
    expect((await mailsTo(VICTIM)).map((m) => m.kind)).toEqual(['registration', 'registration']);
  });
});
