import { describe, expect, it } from 'vitest';
import { safeReturnPath } from '../../src/auth/index.js';
import { ADMIN, addAdmin, auditEntries, csrfOf, signInAdmin } from '../helpers/admin.js';
import { addMember, location, PASSWORD, passwordHash, TestDevice, tokenOf } from '../helpers/auth.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, devMailWorker, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';
const NEW_PASSWORD = 'teh manis di warung pojok';

describe('where a login goes back to (only our own pages)', () => {
  it.each([
    ['/member/lisensi', '/member/lisensi'],
    ['/akun?selesai=x', '/akun?selesai=x'],
    ['/admin/member/3', '/admin/member/3'],
    ['/member/../admin', '/admin'],
  ])('%s is kept', (raw, kept) => {
    expect(safeReturnPath(raw)).toBe(kept);
  });

  it.each([
    'https://evil.example/member',
    '//evil.example/member',
    '/\\evil.example/member',
    '/\t/evil.example',
    'member/lisensi',
    '/login',
    '/member/../../evil',
    '/%2F%2Fevil.example',
    'javascript:alert(1)',
    '',
    '/x'.repeat(300),
  ])('%j is dropped', (raw) => {
    expect(safeReturnPath(raw)).toBeNull();
  });
});

describe.each(DIALECTS)('members help themselves (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect);
  const open = async (env: Record<string, string> = {}) => (world = await openWorld(env));
  const db = () => world.database.db;
  const outbox = () => db().selectFrom('mail_outbox').selectAll().orderBy('id').execute();
  const lastMailTo = async (to: string) => {
    await devMailWorker(world).drain();
    return (await outbox()).filter((m) => m.to_address === to).at(-1);
  };
  const linkTo = (text: string | null | undefined, path: string) => {
    const match = new RegExp(`https?://[^/\\s]+(${path.replaceAll('/', '\\/')}\\?token=[A-Za-z0-9_-]+)`).exec(
      text ?? '',
    );
    if (!match?.[1]) throw new Error(`no ${path} link in: ${text}`);
    return match[1];
  };
  const signedIn = async (email = ANI) => {
    const device = new TestDevice(world.app);
    expect(location(await device.loginKeepingHere(email, PASSWORD))).toMatch(/^\/(member|admin)$/);
    return device;
  };

  describe('Lupa kata sandi?', () => {
    it('answers the same for any address, mails only an account, and the link signs in and ends other sessions', async () => {
      await open();
      await addMember(world, ANI);
      const phone = await signedIn();
      const page = await new TestDevice(world.app).get('/login');
      expect(page.body).toContain('href="/login/lupa-sandi"');
      for (const email of [ANI, 'nobody@example.com']) {
        const res = await new TestDevice(world.app).post('/login/lupa-sandi', { email });
        expect([res.statusCode, location(res)]).toEqual([303, '/login?alasan=lupa_sandi']);
      }
      const mail = await lastMailTo(ANI);
      expect(mail).toMatchObject({ kind: 'password_reset', subject: 'Buat kata sandi baru untuk akun Anda' });
      expect(mail?.text_body).toContain('berlaku 60 menit');
      expect((await outbox()).filter((m) => m.kind === 'password_reset')).toHaveLength(1);

      const laptop = new TestDevice(world.app);
      const link = linkTo(mail?.text_body, '/akun/atur-sandi');
      const form = await laptop.get(link);
      expect(form.statusCode).toBe(200);
      const weak = await laptop.post(
        '/akun/atur-sandi',
        { token: tokenOf(link), password: 'password123', password_confirm: 'password123' },
        { csrf: csrfOf(form.body) },
      );
      expect(weak.statusCode).toBe(422);
      expect(weak.body).toContain('paling sering dipakai');
      const saved = await laptop.post(
        '/akun/atur-sandi',
        {
          token: tokenOf(link),
          password: NEW_PASSWORD,
          password_confirm: NEW_PASSWORD,
          fingerprint: laptop.fingerprint,
        },
        { csrf: csrfOf(form.body) },
      );
      expect([saved.statusCode, location(saved), saved.statusCode === 303 ? '' : saved.body]).toEqual([
        303,
        '/member?sandi=baru',
        '',
      ]);
      expect((await laptop.get('/member')).statusCode).toBe(200);
      expect(location(await phone.get('/member'))).toBe('/login?alasan=password_changed');
      // The dead link offers a new one on the spot.
      const dead = await new TestDevice(world.app).get(link);
      expect(dead.statusCode).toBe(410);
      expect(dead.body).toContain('action="/login/lupa-sandi"');
    });

    it('sends an admin nothing (the mailbox alone never replaces an admin password)', async () => {
      await open();
      await addAdmin(world);
      const res = await new TestDevice(world.app).post('/login/lupa-sandi', { email: ADMIN });
      expect(location(res)).toBe('/login?alasan=lupa_sandi');
      expect(await outbox()).toHaveLength(0);
    });

    it('is limited per address together with the login links', async () => {
      await open();
      await addMember(world, ANI);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          (await new TestDevice(world.app).post(i % 2 ? '/login/tautan/kirim' : '/login/lupa-sandi', { email: ANI }))
            .statusCode,
        );
      expect(statuses).toEqual([303, 303, 303, 429]);
    });
  });

  describe('Ubah kata sandi', () => {
    it('asks the current password, holds the new one to the rule, and ends the other devices', async () => {
      await open();
      const id = await addMember(world, ANI);
      const phone = await signedIn();
      const laptop = await signedIn();
      expect(location(await phone.get('/member'))).toBe('/login?alasan=takeover');
      const again = await signedIn();
      const page = await again.get('/akun');
      expect(page.body).toContain('Ubah kata sandi');
      const post = (form: Record<string, string>) => again.post('/akun/sandi', form, { csrf: csrfOf(page.body) });
      const wrong = await post({ current: 'salah sekali ya', password: NEW_PASSWORD, password_confirm: NEW_PASSWORD });
      expect([wrong.statusCode, wrong.body.includes('Kata sandi saat ini salah')]).toEqual([422, true]);
      const weak = await post({ current: PASSWORD, password: 'qwertyuiop', password_confirm: 'qwertyuiop' });
      expect(weak.statusCode).toBe(422);
      const done = await post({ current: PASSWORD, password: NEW_PASSWORD, password_confirm: NEW_PASSWORD });
      expect([
        done.statusCode,
        done.statusCode === 303 ? '' : done.body.match(/role="alert"[^<]*>([^<]*)/)?.[1],
      ]).toEqual([303, '']);
      expect(location(done)).toBe('/akun?selesai=sandi');
      expect((await again.get('/akun?selesai=sandi')).body).toContain('Kata sandi baru tersimpan');
      expect(location(await laptop.get('/member'))).toMatch(/^\/login\?alasan=/);
      expect((await new TestDevice(world.app).login(ANI, PASSWORD)).statusCode).toBe(401);
      expect(await auditEntries(world, 'member.change_password')).toEqual([
        expect.objectContaining({ actor_id: id, target_id: String(id) }),
      ]);
    });

    it('an admin changes the admin password on the same page, held to the same rule', async () => {
      await open();
      await addAdmin(world);
      const admin = await signInAdmin(world);
      const page = await admin.get('/akun');
      expect(page.body).toContain('href="/admin"');
      const weak = await admin.post(
        '/akun/sandi',
        { current: PASSWORD, password: 'admin12345', password_confirm: 'admin12345' },
        { csrf: csrfOf(page.body) },
      );
      expect(weak.statusCode).toBe(422);
      const done = await admin.post(
        '/akun/sandi',
        { current: PASSWORD, password: NEW_PASSWORD, password_confirm: NEW_PASSWORD },
        { csrf: csrfOf(page.body) },
      );
      expect(location(done)).toBe('/akun?selesai=sandi');
      expect((await admin.get('/admin')).statusCode).toBe(200);
    });
  });

  describe('Ganti email', () => {
    it('confirms from the new mailbox, tells the old one, moves the purchases, renews session and links', async () => {
      await open();
      await postLynk(world.app, payment({ email: ANI, items: [{ title: 'Aplikasi' }] }));
      await postLynk(world.app, payment({ email: ANI, items: [{ title: 'Daftar Member KEI' }] }));
      // The buyer chose a password (the account was made with a random one).
      await db()
        .updateTable('members')
        .set({ password_hash: await passwordHash() })
        .execute();
      const device = await signedIn();
      const page = await device.get('/akun');
      const taken = await device.post('/akun/email', { email: ANI, current: PASSWORD }, { csrf: csrfOf(page.body) });
      expect(taken.statusCode).toBe(422);
      const asked = await device.post(
        '/akun/email',
        { email: 'Ani.Baru@Example.com', current: PASSWORD },
        { csrf: csrfOf(page.body) },
      );
      expect(location(asked)).toBe('/akun?selesai=email');
      const confirm = await lastMailTo('ani.baru@example.com');
      expect(confirm?.kind).toBe('email_change');
      const notice = await lastMailTo(ANI);
      expect(notice?.subject).toBe('Permintaan ganti email akun Anda');
      expect(notice?.text_body).toContain('ani.baru@example.com');

      const other = new TestDevice(world.app);
      const link = linkTo(confirm?.text_body, '/akun/email/konfirmasi');
      const form = await other.get(link);
      expect(form.statusCode).toBe(200);
      const used = await other.post(
        '/akun/email/konfirmasi',
        { token: tokenOf(link), fingerprint: other.fingerprint },
        { csrf: csrfOf(form.body) },
      );
      expect(location(used)).toBe('/akun?selesai=email_baru');
      expect((await other.get('/akun')).body).toContain('ani.baru@example.com');
      expect(location(await device.get('/member'))).toBe('/login?alasan=email_changed');
      const licenses = await db().selectFrom('licenses').select('email').execute();
      expect(licenses.map((l) => l.email)).toEqual(['ani.baru@example.com']);
      expect((await other.get('/member/lisensi')).body).toContain('Aplikasi');
      expect((await new TestDevice(world.app).login(ANI, PASSWORD)).statusCode).toBe(401);
      const changed = await lastMailTo(ANI);
      expect(changed?.subject).toBe('Email akun Anda sudah diganti');
      expect((await other.get(link)).statusCode).toBe(410);
      expect(await auditEntries(world, 'member.email_change')).toHaveLength(1);
    });

    it('the console changes a member email directly, audited, and tells both addresses', async () => {
      await open();
      const id = await addMember(world, ANI);
      await addMember(world, 'budi@example.com');
      const ani = await signedIn();
      await addAdmin(world);
      const admin = await signInAdmin(world);
      const page = await admin.get(`/admin/member/${id}`);
      expect(page.body).toContain(`action="/admin/member/${id}/email"`);
      const taken = await admin.post(
        `/admin/member/${id}/email`,
        { email: 'budi@example.com' },
        { csrf: csrfOf(page.body) },
      );
      expect(taken.statusCode).toBe(409);
      const res = await admin.post(
        `/admin/member/${id}/email`,
        { email: 'ani2@example.com' },
        { csrf: csrfOf(page.body) },
      );
      expect(location(res)).toBe(`/admin/member/${id}?pesan=email-diganti`);
      expect(location(await ani.get('/member'))).toBe('/login?alasan=email_changed');
      await devMailWorker(world).drain();
      const notices = (await outbox()).filter((m) => m.kind === 'email_changed').map((m) => m.to_address);
      expect(notices.sort()).toEqual(['ani2@example.com', ANI]);
      expect(await auditEntries(world, 'member.email_change')).toEqual([
        expect.objectContaining({ actor_type: 'admin', target_id: String(id) }),
      ]);
    });
  });

  describe('after login, back where you were', () => {
    it('a page asked for without a session is where the login lands; another site is never', async () => {
      await open({ MAX_DEVICES_PER_MEMBER: '5' });
      await addMember(world, ANI);
      const evil = new TestDevice(world.app);
      expect(location(await evil.login(ANI, PASSWORD, { lanjut: 'https://evil.example/' }))).toBe('/member');
      const device = new TestDevice(world.app);
      const asked = await device.get('/member/lisensi');
      expect(location(asked)).toBe('/login?lanjut=%2Fmember%2Flisensi');
      const login = await device.get(location(asked) ?? '');
      expect(login.body).toContain('name="lanjut" value="/member/lisensi"');
      expect(location(await device.login(ANI, PASSWORD, { lanjut: '/member/lisensi' }))).toBe('/member/lisensi');
      const other = new TestDevice(world.app);
      expect((await other.get('/login?lanjut=//evil.example/member')).body).not.toContain('name="lanjut"');
      expect(location(await other.login(ANI, PASSWORD, { lanjut: '//evil.example/member' }))).toBe('/member');
      // Signed in already: /login?lanjut= goes straight there (our pages only).
      expect(location(await other.get('/login?lanjut=%2Fakun'))).toBe('/akun');
    });
  });
});
