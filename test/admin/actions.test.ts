import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/crypto.js';
import { addAdmin, auditEntries, csrfOf, expectAudited, signInAdmin } from '../helpers/admin.js';
import { addMember, location, PASSWORD, TestDevice } from '../helpers/auth.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, devMailWorker, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';
const IP = '203.0.113.7';

describe.each(DIALECTS)('operator actions, each audited (%s)', (dialect) => {
  let world: World;
  let adminId: number;
  let aniId: number;
  const openWorld = worldPerTest(dialect, async (w) => {
    adminId = await addAdmin(w);
    aniId = await addMember(w, ANI, { name: 'Ani' });
  });
  const open = async (env: Record<string, string> = {}) => {
    world = await openWorld(env);
    const admin = await signInAdmin(world, undefined, IP);
    /** POSTs a console form with the CSRF token of the page it sits on. */
    const act = async (pagePath: string, action: string, form: Record<string, string> = {}) => {
      const page = await admin.get(pagePath);
      expect(page.statusCode).toBe(200);
      return admin.post(action, form, { csrf: csrfOf(page.body) });
    };
    return { admin, act };
  };
  const db = () => world.database.db;
  const memberStatus = async (id: number) =>
    (await db().selectFrom('members').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  it("force logout ends the member's sessions on every device and tells their pages (reason admin)", async () => {
    const { act } = await open({ MAX_DEVICES_PER_MEMBER: '2' });
    const phone = new TestDevice(world.app);
    const laptop = new TestDevice(world.app);
    await phone.login(ANI, PASSWORD);
    await laptop.login(ANI, PASSWORD);
    const res = await act(`/admin/member/${aniId}`, `/admin/member/${aniId}/keluarkan`);
    expect(location(res)).toBe(`/admin/member/${aniId}?pesan=keluar`);
    for (const device of [phone, laptop]) {
      const session = await device.get('/api/session', { accept: 'application/json' });
      expect(session.json().error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'admin' });
    }
    const events = await db().selectFrom('realtime_events').select(['kind', 'member_id']).execute();
    expect(events).toEqual([
      { kind: 'session.revoked', member_id: aniId },
      { kind: 'session.revoked', member_id: aniId },
    ]);
    const entry = await expectAudited(world, 'member.force_logout', {
      actorId: adminId,
      ip: IP,
      target: ['member', aniId],
    });
    expect(JSON.parse(entry.details)).toMatchObject({ reason: 'admin' });
  });

  it('reset devices ends the sessions and forgets the devices: the device list is empty', async () => {
    const { admin, act } = await open();
    const phone = new TestDevice(world.app);
    await phone.login(ANI, PASSWORD);
    expect((await admin.get(`/admin/member/${aniId}`)).body).toContain('sesi aktif');
    await act(`/admin/member/${aniId}`, `/admin/member/${aniId}/reset-perangkat`);
    expect(await db().selectFrom('sessions').select('id').where('member_id', '=', aniId).execute()).toEqual([]);
    const detail = await admin.get(`/admin/member/${aniId}`);
    expect(detail.body).toContain('Belum ada perangkat.');
    expect((await phone.get('/api/session', { accept: 'application/json' })).statusCode).toBe(401);
    await expectAudited(world, 'member.reset_devices', { actorId: adminId, ip: IP, target: ['member', aniId] });
  });

  it('each resend of the registration email is a new mail (a new dedupe key) with fresh links', async () => {
    const { act } = await open();
    await act(`/admin/member/${aniId}`, `/admin/member/${aniId}/kirim-ulang-pendaftaran`);
    world.runtime.advance(1000);
    await act(`/admin/member/${aniId}`, `/admin/member/${aniId}/kirim-ulang-pendaftaran`);
    const mails = await db().selectFrom('mail_outbox').select(['dedupe_key', 'kind', 'to_address']).execute();
    expect(mails).toHaveLength(2);
    expect(new Set(mails.map((m) => m.dedupe_key)).size).toBe(2);
    expect(mails.every((m) => m.kind === 'registration' && m.to_address === ANI)).toBe(true);
    await devMailWorker(world).drain();
    const sent = await db().selectFrom('mail_outbox').select(['status', 'text_body']).execute();
    expect(sent.map((m) => m.status)).toEqual(['sent', 'sent']);
    expect(sent[0]?.text_body).toContain('/akun/atur-sandi?token=');
    expect(await auditEntries(world, 'member.resend_registration')).toHaveLength(2);
  });

  it('deactivate ends the sessions and refuses login; reactivate lets the member in again', async () => {
    const { act } = await open();
    const phone = new TestDevice(world.app);
    await phone.login(ANI, PASSWORD);
    await act(`/admin/member/${aniId}`, `/admin/member/${aniId}/nonaktifkan`);
    expect(await memberStatus(aniId)).toBe('disabled');
    expect((await phone.get('/api/session', { accept: 'application/json' })).statusCode).toBe(401);
    expect((await new TestDevice(world.app).login(ANI, PASSWORD)).statusCode).toBe(403);
    await expectAudited(world, 'member.deactivate', { actorId: adminId, ip: IP, target: ['member', aniId] });

    await act(`/admin/member/${aniId}`, `/admin/member/${aniId}/aktifkan`);
    expect(await memberStatus(aniId)).toBe('active');
    expect(location(await new TestDevice(world.app).login(ANI, PASSWORD))).toBe('/member');
    await expectAudited(world, 'member.reactivate', { actorId: adminId, ip: IP, target: ['member', aniId] });
  });

  it('a member created by hand gets the registration mail; the same email twice is refused', async () => {
    const { act } = await open();
    const res = await act('/admin/member', '/admin/member', { email: 'Budi@Example.com', name: 'Budi', phone: '0812' });
    const budi = await db()
      .selectFrom('members')
      .selectAll()
      .where('email', '=', 'budi@example.com')
      .executeTakeFirstOrThrow();
    expect(location(res)).toBe(`/admin/member/${budi.id}?pesan=dibuat`);
    expect(budi).toMatchObject({ role: 'member', status: 'active', name: 'Budi', phone: '0812' });
    const mail = await db().selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow();
    expect(mail).toMatchObject({
      kind: 'registration',
      to_address: 'budi@example.com',
      dedupe_key: `registration:${budi.id}`,
      // No order made this account: the subject names none (never "Order #-").
      subject: 'Pendaftaran Member Berhasil',
    });
    await expectAudited(world, 'member.create', { actorId: adminId, ip: IP, target: ['member', budi.id] });

    const twice = await act('/admin/member', '/admin/member', { email: 'budi@example.com', name: 'Budi Dua' });
    expect(twice.statusCode).toBe(400);
    expect(twice.body).toContain('sudah terdaftar');
    // The form comes back filled in, so one wrong field does not cost the rest.
    expect(twice.body).toContain(
      'id="new-email" name="email" type="email" required maxlength="254" value="budi@example.com"',
    );
    expect(twice.body).toContain('value="Budi Dua"');
    expect(await auditEntries(world, 'member.create')).toHaveLength(1);
  });

  it('a member made by hand follows the same name and phone rules as an edit, and says which field is wrong', async () => {
    const { act } = await open();
    const letters = await act('/admin/member', '/admin/member', {
      email: 'sari@example.com',
      name: 'Sari',
      phone: '0812-3456-7890 (WA)',
    });
    expect(letters.statusCode).toBe(400);
    expect(letters.body).toContain('No. HP hanya boleh berisi angka, spasi, dan tanda + - ( ).');
    expect(letters.body).toContain('value="0812-3456-7890 (WA)"');
    const long = await act('/admin/member', '/admin/member', { email: 'sari@example.com', name: 'x'.repeat(201) });
    expect(long.statusCode).toBe(400);
    expect(long.body).toContain('Nama paling panjang 200 karakter.');
    expect(long.body).toContain('value="sari@example.com"');
    expect(await db().selectFrom('members').select('id').where('email', '=', 'sari@example.com').execute()).toEqual([]);
    const fine = await act('/admin/member', '/admin/member', {
      email: 'sari@example.com',
      name: '  Sari   Dewi ',
      phone: '+62 812-3456 (7890)',
    });
    expect(fine.statusCode).toBe(303);
    expect(
      await db()
        .selectFrom('members')
        .select(['name', 'phone'])
        .where('email', '=', 'sari@example.com')
        .executeTakeFirst(),
    ).toEqual({ name: 'Sari Dewi', phone: '+62 812-3456 (7890)' });
  });

  it("resend of a license email queues the order's keys again under a new dedupe key", async () => {
    const { act } = await open();
    await postLynk(world.app, payment({ email: ANI, items: [{ title: 'Kelas Ekspor', uuid: 'k1', qty: 2 }] }));
    const licenses = await db().selectFrom('licenses').select(['id', 'license_key']).orderBy('id').execute();
    const first = licenses[0];
    if (!first) throw new Error('no license');
    await act(`/admin/lisensi/${first.id}`, `/admin/lisensi/${first.id}/kirim-ulang`);
    const mails = await db()
      .selectFrom('mail_outbox')
      .selectAll()
      .where('kind', '=', 'license')
      .orderBy('id')
      .execute();
    expect(mails).toHaveLength(2);
    expect(mails[1]?.dedupe_key).toMatch(new RegExp(`^${mails[0]?.dedupe_key}:resend:`));
    const params = JSON.parse(mails[1]?.params ?? '{}');
    expect(params.items).toEqual([{ title: 'Kelas Ekspor', keys: licenses.map((l) => l.license_key) }]);
    await expectAudited(world, 'license.resend_mail', { actorId: adminId, ip: IP, target: ['license', first.id] });
  });

  it('a failed Lynk event is replayed from the console with the buyer email the operator supplies', async () => {
    const { admin, act } = await open();
    const broken = payment({ email: '', items: [{ title: 'Kelas Ekspor', uuid: 'k1' }] });
    const stored = (await postLynk(world.app, broken)).json();
    expect(stored.outcome).toBe('failed');
    const list = await admin.get('/admin/webhook?hasil=failed');
    expect(list.body).toContain(`/admin/webhook/${stored.event_id}`);
    const res = await act(`/admin/webhook/${stored.event_id}`, `/admin/webhook/${stored.event_id}/ulang`, {
      email: 'pembeli@example.com',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="replay-result"');
    const event = await db()
      .selectFrom('webhook_events')
      .selectAll()
      .where('id', '=', stored.event_id)
      .executeTakeFirstOrThrow();
    expect(event.outcome).toBe('processed');
    expect(await db().selectFrom('licenses').select('email').execute()).toEqual([{ email: 'pembeli@example.com' }]);
    const entry = await expectAudited(world, 'webhook.replay', {
      actorId: adminId,
      ip: IP,
      target: ['webhook_event', stored.event_id],
    });
    expect(JSON.parse(entry.details)).toMatchObject({ outcome: 'processed' });

    // Processed events are never re-run: a second replay is refused and issues nothing.
    const again = await act(`/admin/webhook/${stored.event_id}`, `/admin/webhook/${stored.event_id}/ulang`);
    expect(again.statusCode).toBe(409);
    expect(await db().selectFrom('licenses').select('id').execute()).toHaveLength(1);
  });

  it('a failed mail is retried from the console and goes out on the next drain', async () => {
    const { act } = await open();
    await act(`/admin/member/${aniId}`, `/admin/member/${aniId}/kirim-ulang-pendaftaran`);
    const mail = await db().selectFrom('mail_outbox').select('id').executeTakeFirstOrThrow();
    await db().updateTable('mail_outbox').set({ status: 'failed', attempts: 10, last_error: 'SMTP 550' }).execute();
    await act(`/admin/email/${mail.id}`, `/admin/email/${mail.id}/kirim-ulang`);
    expect(await db().selectFrom('mail_outbox').select('status').executeTakeFirstOrThrow()).toEqual({
      status: 'pending',
    });
    await devMailWorker(world).drain();
    expect(await db().selectFrom('mail_outbox').select('status').executeTakeFirstOrThrow()).toEqual({ status: 'sent' });
    await expectAudited(world, 'mail.retry', { actorId: adminId, ip: IP, target: ['mail', mail.id] });
  });

  it('the dev mailbox shows the mail HTML only inside a sandboxed frame with a strict policy', async () => {
    const { admin } = await open();
    await postLynk(world.app, payment({ email: ANI, name: '<img src=x onerror=alert(1)>' }));
    await devMailWorker(world).drain();
    const mail = await db().selectFrom('mail_outbox').select('id').executeTakeFirstOrThrow();
    const detail = await admin.get(`/admin/email/${mail.id}`);
    expect(detail.body).toContain(`<iframe class="mail" id="mail-frame" title="Isi email" sandbox=""`);
    expect(detail.headers['content-security-policy']).toContain("frame-src 'self'");
    const frame = await admin.get(`/admin/email/${mail.id}/isi`);
    expect(frame.statusCode).toBe(200);
    expect(frame.headers['content-security-policy']).toContain("default-src 'none'");
    expect(frame.headers['content-security-policy']).toContain('sandbox');
    expect(frame.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(frame.body).not.toContain('<img src=x');
  });

  it('product rules edited in the console decide what a payment issues, ahead of PRODUCT_RULES', async () => {
    const { act } = await open({
      PRODUCT_RULES: JSON.stringify([{ title: 'Kelas Ekspor', action: 'license', maxDevices: 1 }]),
    });
    await act('/admin/produk', '/admin/produk', {
      match: 'title',
      value: 'Kelas Ekspor',
      action: 'license',
      maxDevices: '3',
      validityDays: '30',
      onLimit: 'takeover',
    });
    const rule = await db().selectFrom('product_rules').selectAll().executeTakeFirstOrThrow();
    expect(rule).toMatchObject({
      match_title: 'Kelas Ekspor',
      max_devices: 3,
      validity_days: 30,
      on_limit: 'takeover',
    });
    await expectAudited(world, 'product_rule.create', { actorId: adminId, ip: IP, target: ['product_rule', rule.id] });
    await postLynk(world.app, payment({ email: ANI, items: [{ title: 'Kelas Ekspor', uuid: 'k1' }] }));
    const license = await db().selectFrom('licenses').selectAll().executeTakeFirstOrThrow();
    expect(license.max_devices).toBe(3);
    expect(license.on_limit).toBe('takeover');
    expect(license.expires_at).toBe(world.runtime.now() + 30 * 86_400_000);

    const dup = await act('/admin/produk', '/admin/produk', {
      match: 'title',
      value: 'Kelas Ekspor',
      action: 'member',
    });
    expect(dup.statusCode).toBe(409);
    await act('/admin/produk', `/admin/produk/${rule.id}`, { match: 'title', value: 'Kelas Ekspor', action: 'member' });
    await expectAudited(world, 'product_rule.update', { actorId: adminId, ip: IP, target: ['product_rule', rule.id] });
    await postLynk(world.app, payment({ email: 'baru@example.com', items: [{ title: 'Kelas Ekspor', uuid: 'k1' }] }));
    expect(
      await db().selectFrom('members').select('email').where('email', '=', 'baru@example.com').execute(),
    ).toHaveLength(1);

    await act('/admin/produk', `/admin/produk/${rule.id}/hapus`);
    expect(await db().selectFrom('product_rules').select('id').execute()).toEqual([]);
    await expectAudited(world, 'product_rule.delete', { actorId: adminId, ip: IP, target: ['product_rule', rule.id] });
  });

  it('a refused product rule names the wrong field and keeps the form as typed, in the form that was sent', async () => {
    const { act } = await open();
    const typed = {
      match: 'title',
      value: 'Software Ekspor Pro',
      action: 'license',
      maxDevices: '3',
      onLimit: 'takeover',
    };
    const cases: [Record<string, string>, string][] = [
      [{ renewUrl: 'lynk.id/toko' }, 'Tautan perpanjangan harus alamat lengkap https://… (atau kosong).'],
      [{ maxDevices: '0' }, 'Maks. perangkat harus angka 1 sampai 1000.'],
      [{ validityDays: '-5' }, 'Masa berlaku harus angka hari 1 sampai 36500, atau kosong (selamanya).'],
      [{ value: '  ' }, 'Isi judul atau UUID produk.'],
    ];
    for (const [change, message] of cases) {
      const res = await act('/admin/produk', '/admin/produk', { ...typed, ...change });
      expect([change, res.statusCode]).toEqual([change, 400]);
      expect(res.body).toContain(`<p class="error" role="alert" id="new-error">${message}</p>`);
      if (!('value' in change))
        expect(res.body).toContain(
          'id="new-value" name="value" type="text" required maxlength="300" value="Software Ekspor Pro"',
        );
      expect(res.body).toMatch(/id="new-devices" name="maxDevices" type="number" min="1" max="1000" value="(3|0)"/);
      expect(res.body).toContain('<option value="takeover" selected>');
    }
    expect(await db().selectFrom('product_rules').select('id').execute()).toEqual([]);

    // An existing rule's edit: its own form opens with the message and the typed values.
    await act('/admin/produk', '/admin/produk', typed);
    const rule = await db().selectFrom('product_rules').selectAll().executeTakeFirstOrThrow();
    const edit = await act('/admin/produk', `/admin/produk/${rule.id}`, { ...typed, validityDays: 'setahun' });
    expect(edit.statusCode).toBe(400);
    expect(edit.body).toContain(
      `<details open><summary>Ubah</summary><form method="post" action="/admin/produk/${rule.id}"`,
    );
    expect(edit.body).toContain(`id="r${rule.id}-error">Masa berlaku harus angka hari`);
    expect(edit.body).toContain('value="setahun"');
    expect(edit.body).not.toContain('id="new-error"');
    expect(
      (await db().selectFrom('product_rules').select('validity_days').executeTakeFirstOrThrow()).validity_days,
    ).toBeNull();
  });

  it('a test payment goes through the signed webhook and its result is shown', async () => {
    const { act } = await open();
    const res = await act('/admin/uji-coba', '/admin/uji-coba', {
      email: 'uji@example.com',
      title: 'Produk Uji',
      qty: '2',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Pembayaran uji diterima server (HTTP 200)');
    // The form keeps what was sent, for a second try with one thing changed.
    expect(res.body).toContain('id="test-qty" name="qty" type="number" min="1" max="20" step="1" required value="2"');
    const event = await db().selectFrom('webhook_events').selectAll().executeTakeFirstOrThrow();
    expect(event).toMatchObject({ outcome: 'processed', signature_valid: 1 });
    expect(res.body).toContain(`href="/admin/webhook/${event.id}"`);
    expect(await db().selectFrom('licenses').select('email').execute()).toHaveLength(2);
    await expectAudited(world, 'test_payment.send', { actorId: adminId, ip: IP, target: ['webhook_event', event.id] });
  });

  it('a test payment with a wrong field names that field, keeps the form filled, and sends nothing', async () => {
    const { act } = await open();
    const cases: [Record<string, string>, string][] = [
      [{ email: 'uji@example.com', title: 'Produk Uji', qty: '0' }, 'Jumlah harus angka 1 sampai 20.'],
      [{ email: 'uji@example.com', title: 'Produk Uji', qty: 'abc' }, 'Jumlah harus angka 1 sampai 20.'],
      [{ email: 'uji@example.com', title: 'Produk Uji', qty: '25' }, 'Jumlah harus angka 1 sampai 20.'],
      [{ email: 'uji@example.com', title: 'Produk Uji', qty: '1.5' }, 'Jumlah harus angka 1 sampai 20.'],
      [
        { email: 'uji@example.com', title: 'Produk Uji', price: '' },
        'Harga harus angka rupiah, 0 sampai 1.000.000.000.',
      ],
      [
        { email: 'uji@example.com', title: 'Produk Uji', price: '12,5' },
        'Harga harus angka rupiah, 0 sampai 1.000.000.000.',
      ],
      [
        { email: 'uji@example.com', title: 'Produk Uji', price: '-5' },
        'Harga harus angka rupiah, 0 sampai 1.000.000.000.',
      ],
      [{ email: 'bukan-email', title: 'Produk Uji' }, 'Isi email pembeli dengan alamat yang benar.'],
      [{ email: 'uji@example.com', title: '   ' }, 'Isi judul produk.'],
    ];
    for (const [form, message] of cases) {
      const res = await act('/admin/uji-coba', '/admin/uji-coba', { name: 'Sari <b>', ...form });
      expect([form, res.statusCode]).toEqual([form, 400]);
      expect(res.body).toContain(message);
      expect(res.body).toContain('value="Sari &lt;b&gt;"');
      for (const value of Object.values(form)) expect(res.body).toContain(`value="${value}"`);
      expect(res.body).not.toContain('BAD_REQUEST');
    }
    expect(await db().selectFrom('webhook_events').select('id').execute()).toEqual([]);
  });

  it('an API token is shown once, stored hashed, and revoked', async () => {
    const { admin, act } = await open();
    const res = await act('/admin/token', '/admin/token', { name: 'skrip PPOB' });
    const token = /id="new-token">(gbt_[A-Za-z0-9_-]+)</.exec(res.body)?.[1];
    expect(token).toBeDefined();
    const row = await db().selectFrom('api_tokens').selectAll().executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(sha256Hex(token ?? ''));
    expect(row.created_by).toBe(adminId);
    expect((await admin.get('/admin/token')).body).not.toContain(token);
    await expectAudited(world, 'api_token.create', { actorId: adminId, ip: IP, target: ['api_token', row.id] });
    await act('/admin/token', `/admin/token/${row.id}/cabut`);
    expect(
      (await db().selectFrom('api_tokens').select('revoked_at').executeTakeFirstOrThrow()).revoked_at,
    ).not.toBeNull();
    await expectAudited(world, 'api_token.revoke', { actorId: adminId, ip: IP, target: ['api_token', row.id] });
  });

  it('the overview counts members online from recent live sessions, not the admin', async () => {
    const { admin } = await open();
    const online = async () =>
      /id="tile-online"[^>]*><span[^>]*>[^<]*<\/span><b>(\d+)<\/b>/.exec((await admin.get('/admin')).body)?.[1];
    expect(await online()).toBe('0');
    await new TestDevice(world.app).login(ANI, PASSWORD);
    expect(await online()).toBe('1');
    world.runtime.advance(6 * 60_000);
    expect(await online()).toBe('0');
  });

  it('the audit page lists the entries, filtered by action', async () => {
    const { admin, act } = await open();
    await act(`/admin/member/${aniId}`, `/admin/member/${aniId}/keluarkan`);
    await act(`/admin/member/${aniId}`, `/admin/member/${aniId}/kirim-ulang-pendaftaran`);
    const all = await admin.get('/admin/audit');
    expect(all.body).toContain('member.force_logout');
    expect(all.body).toContain('member.resend_registration');
    const filtered = await admin.get('/admin/audit?aksi=member.force_logout');
    expect(filtered.body).toContain(
      'member dikeluarkan dari semua perangkat<br><code class="muted">member.force_logout</code>',
    );
    expect(filtered.body).not.toContain('<code class="muted">member.resend_registration</code>');
  });
});
