import { describe, expect, it } from 'vitest';
import { addAdmin, auditEntries, csrfOf, signInAdmin } from '../helpers/admin.js';
import { addMember, location, PASSWORD, passwordHash, TestDevice } from '../helpers/auth.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const BUDI = 'budi@example.com';

describe.each(DIALECTS)('edits with undo (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect, async (w) => {
    await addAdmin(w);
  });
  const open = async () => {
    world = await openWorld({ MEMBER_PRODUCT_TITLES: 'Daftar Member KEI' });
    const admin = await signInAdmin(world);
    const act = async (pagePath: string, action: string, form: Record<string, string> = {}) => {
      const page = await admin.get(pagePath);
      expect(page.statusCode).toBe(200);
      return admin.post(action, form, { csrf: csrfOf(page.body) });
    };
    return { admin, act };
  };
  const db = () => world.database.db;

  it("edits a member's name and phone, audited, and undoes it", async () => {
    const { admin, act } = await open();
    const id = await addMember(world, BUDI, { name: 'Budi' });
    const page = `/admin/member/${id}`;
    const saved = await act(page, `${page}/ubah`, { name: '  Budi   Santoso ', phone: '0812 3456 7890' });
    expect(location(saved)).toBe(`${page}?pesan=member-diubah`);
    expect(await db().selectFrom('members').select(['name', 'phone']).where('id', '=', id).executeTakeFirst()).toEqual({
      name: 'Budi Santoso',
      phone: '0812 3456 7890',
    });
    const [entry] = await auditEntries(world, 'member.update');
    expect(JSON.parse(entry?.details ?? '{}')).toEqual({
      before: { name: 'Budi', phone: '' },
      after: { name: 'Budi Santoso', phone: '0812 3456 7890' },
    });
    const detail = await admin.get(page);
    expect(detail.body).toContain('id="undo-profile"');
    const undo =
      /<form method="post" action="[^"]+\/ubah" class="inline">[\s\S]*?name="name" value="([^"]*)"[\s\S]*?name="phone" value="([^"]*)"/.exec(
        detail.body,
      );
    expect([undo?.[1], undo?.[2]]).toEqual(['Budi', '']);
    await act(page, `${page}/ubah`, { name: 'Budi', phone: '' });
    expect((await db().selectFrom('members').select('name').where('id', '=', id).executeTakeFirst())?.name).toBe(
      'Budi',
    );
    // A refused edit shows the page again with the field's own message and what was typed (escaped).
    const refused = await act(page, `${page}/ubah`, { name: 'Budi Baru', phone: '<script>' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('No. HP hanya boleh berisi angka, spasi, dan tanda + - ( ).');
    expect(refused.body).toContain('id="profile-name" name="name" type="text" maxlength="200" value="Budi Baru"');
    expect(refused.body).toContain('value="&lt;script&gt;"');
    expect(refused.body).not.toContain('<script>');
    expect((await db().selectFrom('members').select('name').where('id', '=', id).executeTakeFirst())?.name).toBe(
      'Budi',
    );
  });

  it('deleting a member needs their data exported first; orders stay, anonymised', async () => {
    const { admin, act } = await open();
    await postLynk(
      world.app,
      payment({
        email: BUDI,
        items: [
          { title: 'Daftar Member KEI', uuid: 'm' },
          { title: 'E-book', uuid: 'e' },
        ],
      }),
    );
    const member = await db().selectFrom('members').select('id').where('email', '=', BUDI).executeTakeFirstOrThrow();
    const page = `/admin/member/${member.id}`;
    const buyer = new TestDevice(world.app);
    await db()
      .updateTable('members')
      .set({ needs_email_proof: 0, password_hash: await passwordHash() })
      .where('id', '=', member.id)
      .execute();
    expect((await buyer.login(BUDI, PASSWORD)).statusCode).toBe(303);

    expect(location(await act(page, `${page}/hapus`))).toBe(`${page}?pesan=ekspor-dulu`);
    const exported = await admin.get(`${page}/ekspor`);
    expect(exported.headers['content-disposition']).toBe(`attachment; filename="data-member-${member.id}.json"`);
    const data = exported.json();
    expect(data.member.email).toBe(BUDI);
    expect(data.member.password_hash).toBeUndefined();
    expect(data.orders[0].items.map((i: { title: string }) => i.title)).toEqual(['Daftar Member KEI', 'E-book']);
    expect(data.licenses).toHaveLength(1);
    expect(data.sessions).toHaveLength(1);

    expect(location(await act(page, `${page}/hapus`))).toBe('/admin/member?pesan=member-dihapus');
    expect(await db().selectFrom('members').select('id').where('id', '=', member.id).execute()).toEqual([]);
    expect(await db().selectFrom('sessions').select('id').where('member_id', '=', member.id).execute()).toEqual([]);
    expect(await db().selectFrom('mail_outbox').select('id').where('to_address', '=', BUDI).execute()).toEqual([]);
    const order = await db().selectFrom('orders').selectAll().executeTakeFirstOrThrow();
    expect(order).toMatchObject({ email: '', customer_name: '', phone: '' });
    expect(order.anonymised_at).not.toBeNull();
    const license = await db().selectFrom('licenses').select(['email', 'status']).executeTakeFirstOrThrow();
    expect(license).toEqual({ email: '', status: 'active' });
    const event = await db().selectFrom('webhook_events').select('raw_body').executeTakeFirstOrThrow();
    expect(event.raw_body).not.toContain(BUDI);
    const [deleted] = await auditEntries(world, 'member.delete');
    expect(deleted?.details).not.toContain(BUDI);
    expect((await buyer.get('/member')).statusCode).not.toBe(200);
    expect((await admin.get(`/admin/pesanan/${order.id}`)).body).toContain('data dihapus');
  });

  it('an admin account cannot be deleted from the member page', async () => {
    const { admin: device, act } = await open();
    const admin = await db().selectFrom('members').select('id').where('role', '=', 'admin').executeTakeFirstOrThrow();
    const page = `/admin/member/${admin.id}`;
    expect((await device.get(`${page}/ekspor`)).statusCode).toBe(200);
    expect(location(await act(page, `${page}/hapus`))).toBe(`${page}?pesan=gagal`);
    expect(await db().selectFrom('members').select('id').where('id', '=', admin.id).execute()).toHaveLength(1);
  });

  it('a revoked license is restored (undo), and its device limit and expiry change, undoably', async () => {
    const { admin, act } = await open();
    await postLynk(world.app, payment({ email: BUDI, items: [{ title: 'E-book', uuid: 'e' }] }));
    const { id } = await db().selectFrom('licenses').select('id').executeTakeFirstOrThrow();
    const page = `/admin/lisensi/${id}`;
    await act(page, `${page}/cabut`, { confirm: 'ya', reason: 'salah klik' });
    expect((await admin.get(page)).body).toContain('id="restore-license"');
    expect(location(await act(page, `${page}/pulihkan`))).toBe(`${page}?pesan=lisensi-pulih`);
    expect(
      await db().selectFrom('licenses').select(['status', 'revoked_at', 'revoked_reason']).executeTakeFirst(),
    ).toEqual({ status: 'active', revoked_at: null, revoked_reason: null });
    expect(location(await act(page, `${page}/pulihkan`))).toBe(`${page}?pesan=gagal`);
    const [restored] = await auditEntries(world, 'license.restore');
    expect(JSON.parse(restored?.details ?? '{}')).toMatchObject({ revoked_reason: 'salah klik' });

    expect(location(await act(page, `${page}/ubah`, { maxDevices: '3', expires: '2027-01-31' }))).toBe(
      `${page}?pesan=lisensi-diubah`,
    );
    const changed = await db().selectFrom('licenses').select(['max_devices', 'expires_at']).executeTakeFirstOrThrow();
    // The end of 31 January 2027 in WIB.
    expect(changed).toEqual({ max_devices: 3, expires_at: Date.UTC(2027, 0, 31, 17) - 1 });
    const detail = await admin.get(page);
    expect(detail.body).toContain('id="terms-expires" name="expires" type="date" value="2027-01-31"');
    expect(detail.body).toMatch(/name="maxDevices" value="1"><input type="hidden" name="expires" value="">/);
    await act(page, `${page}/ubah`, { maxDevices: '1', expires: '' });
    expect(await db().selectFrom('licenses').select(['max_devices', 'expires_at']).executeTakeFirst()).toEqual({
      max_devices: 1,
      expires_at: null,
    });
    expect(location(await act(page, `${page}/ubah`, { maxDevices: '0', expires: '' }))).toBe(
      `${page}?pesan=lisensi-isi`,
    );
    expect(location(await act(page, `${page}/ubah`, { maxDevices: '2', expires: '2027-02-30' }))).toBe(
      `${page}?pesan=lisensi-isi`,
    );
  });

  it('a device limit below the devices in use is refused', async () => {
    const { act } = await open();
    await postLynk(world.app, payment({ email: BUDI, items: [{ title: 'E-book', uuid: 'e' }] }));
    const license = await db().selectFrom('licenses').select(['id']).executeTakeFirstOrThrow();
    const now = world.runtime.now();
    await db().updateTable('licenses').set({ max_devices: 2 }).where('id', '=', license.id).execute();
    for (const slot of [1, 2])
      await db()
        .insertInto('license_activations')
        .values({
          license_id: license.id,
          slot,
          fingerprint_hash: `f${slot}`,
          name: `PC ${slot}`,
          created_at: now,
          last_validated_at: now,
          revoked_at: null,
          revoked_reason: null,
        })
        .execute();
    const page = `/admin/lisensi/${license.id}`;
    expect(location(await act(page, `${page}/ubah`, { maxDevices: '1', expires: '' }))).toBe(
      `${page}?pesan=lisensi-perangkat-terpakai`,
    );
  });

  it('destructive actions ask first, without script', async () => {
    const { admin } = await open();
    const id = await addMember(world, BUDI);
    const body = (await admin.get(`/admin/member/${id}`)).body;
    expect(body).toMatch(
      /<details class="confirm" id="deactivate-ask"><summary class="small danger">Nonaktifkan<\/summary><p>[^<]+<\/p><form[^>]+action="\/admin\/member\/\d+\/nonaktifkan"/,
    );
    expect(body).toMatch(
      /<details class="confirm" id="reset-devices-ask"><summary class="small">Reset perangkat<\/summary>/,
    );
    expect(body).toContain('>Ya, nonaktifkan</button>');
  });
});
