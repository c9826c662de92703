import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { revokeLicense } from '../../src/licenses/index.js';
import { addAdmin, signInAdmin } from '../helpers/admin.js';
import { addMember, cookieHeader, location, PASSWORD, TestDevice, USER_AGENTS } from '../helpers/auth.js';
import { buyLicense, LICENSE_RULES, licenseDeps } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';
import { addItem, createContent, patternedBytes, signedUrl, storedItems, uploadFile } from './content-world.js';

const BUDI = 'budi@example.com';
const ANI = 'ani@example.com';
const SIZE = 1_000_000; // four chunks of 256 KiB, the last one partial

describe.each(DIALECTS)('downloading a product’s file through a signed URL (%s)', (dialect) => {
  const openWorld = worldPerTest(dialect, async (w) => {
    await addAdmin(w);
    await addMember(w, BUDI);
    await addMember(w, ANI);
  });
  const open = () => openWorld({ PRODUCT_RULES: LICENSE_RULES, MAX_DEVICES_PER_MEMBER: '2' });
  const data = patternedBytes(SIZE);

  /** A product with one uploaded file; returns the file item's id. */
  const productWithFile = async (world: World, title: string) => {
    const admin = await signInAdmin(world);
    const productId = await createContent(admin, { title });
    expect(
      (await uploadFile(world, admin, productId, { filename: 'modul ekspor.zip', type: 'application/zip', data }))
        .statusCode,
    ).toBe(303);
    const [item] = await storedItems(world, productId);
    if (!item) throw new Error('no item stored');
    return { admin, productId, itemId: item.id };
  };
  const signIn = async (world: World, email = BUDI, userAgent: string = USER_AGENTS.chromeWindows) => {
    const device = new TestDevice(world.app, { userAgent });
    expect((await device.login(email, PASSWORD)).statusCode).toBe(303);
    return device;
  };
  const openProduct = async (device: TestDevice, licenseId: number) =>
    expect((await device.post(`/member/produk/${licenseId}/buka`, {})).statusCode).toBe(303);
  const downloads = async (world: World) =>
    (await world.database.db.selectFrom('content_deliveries').select('downloads').execute()).map((d) => d.downloads);

  it('the product page links the file; the gate signs a URL that serves it whole and in ranges (206, Content-Range)', async () => {
    const world = await open();
    const { itemId, productId } = await productWithFile(world, 'Tiga Perangkat');
    const license = await buyLicense(world, 'Tiga Perangkat', BUDI);
    const budi = await signIn(world);
    await openProduct(budi, license.id);
    const page = await budi.get(`/member/produk/${license.id}`);
    expect(page.body).toContain(`href="/member/konten/${itemId}/unduh?lisensi=${license.id}"`);
    expect(page.body).not.toContain('Selamat belajar!');

    const url = await signedUrl(budi, itemId, license.id);
    const whole = await budi.get(url);
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload.equals(data)).toBe(true);
    expect(whole.headers).toMatchObject({
      'content-length': String(SIZE),
      'accept-ranges': 'bytes',
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="modul ekspor.zip"; filename*=UTF-8''modul%20ekspor.zip`,
      'cache-control': 'private, no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    });
    const etag = String(whole.headers.etag);

    // Across a chunk boundary (262,144), a suffix, the last byte, and an open end.
    for (const [range, start, end] of [
      ['bytes=1000-299999', 1000, 299_999],
      ['bytes=-500', SIZE - 500, SIZE - 1],
      ['bytes=999999-', 999_999, 999_999],
      ['bytes=262144-524287', 262_144, 524_287],
      ['bytes=0-0', 0, 0],
    ] as const) {
      const part = await budi.get(url, { range });
      expect([range, part.statusCode, part.headers['content-range']]).toEqual([
        range,
        206,
        `bytes ${start}-${end}/${SIZE}`,
      ]);
      expect(part.headers['content-length']).toBe(String(end - start + 1));
      expect(part.rawPayload.equals(data.subarray(start, end + 1))).toBe(true);
    }
    const beyond = await budi.get(url, { range: `bytes=${SIZE}-` });
    expect([beyond.statusCode, beyond.headers['content-range']]).toEqual([416, `bytes */${SIZE}`]);
    // A stale If-Range gets the whole (current) file, a matching one the range.
    expect((await budi.get(url, { range: 'bytes=10-19', 'if-range': '"lama"' })).statusCode).toBe(200);
    expect((await budi.get(url, { range: 'bytes=10-19', 'if-range': etag })).statusCode).toBe(206);
    const head = await world.app.inject({ method: 'HEAD', url, headers: { cookie: cookieHeader(budi.cookies) } });
    expect([head.statusCode, head.headers['content-length'], head.rawPayload.length]).toEqual([200, String(SIZE), 0]);

    // Counted: the whole download, the range from byte 0 and the If-Range restart; never the
    // resumptions (start > 0), the 416 or the HEAD.
    expect(await downloads(world)).toEqual([3]);
    const admin = await signInAdmin(world);
    const editor = await admin.get(`/admin/produk/konten/${productId}`);
    expect(editor.body).toContain('Diunduh 3 kali oleh 1 pembeli.');
    expect(editor.body).toContain(license.key);
  });

  it('a signed URL is refused when expired, from another session or member, tampered, or after revocation', async () => {
    const world = await open();
    const { itemId } = await productWithFile(world, 'Tiga Perangkat');
    const license = await buyLicense(world, 'Tiga Perangkat', BUDI);
    const budi = await signIn(world);
    await openProduct(budi, license.id);
    const url = await signedUrl(budi, itemId, license.id);

    // Another browser of Budi's (its own session) and Ani: the URL is bound to the session that got it.
    const budiPhone = await signIn(world, BUDI, USER_AGENTS.safariIphone);
    await openProduct(budiPhone, license.id);
    const ani = await signIn(world, ANI);
    for (const device of [budiPhone, ani]) {
      const res = await device.get(url);
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('Tautan unduhan ini sudah tidak berlaku.');
      expect(res.headers['content-type']).toContain('text/html');
    }
    const json = await ani.get(url, { accept: 'application/json' });
    expect(json.json().error.code).toBe('DOWNLOAD_LINK_INVALID');
    // Ani asking the gate for Budi's license: exactly as for a license that does not exist.
    const theirs = await ani.get(`/member/konten/${itemId}/unduh?lisensi=${license.id}`, {
      accept: 'application/json',
    });
    const none = await ani.get(`/member/konten/${itemId}/unduh?lisensi=987654`, { accept: 'application/json' });
    expect([theirs.statusCode, theirs.json().error.code]).toEqual([404, 'NOT_FOUND']);
    expect(theirs.json().error.message).toBe(none.json().error.message);

    // A token edited to name another holder, or with its expiry pushed out, no longer verifies.
    const token = new URL(url, 'http://x').searchParams.get('token') ?? '';
    const [holder, expires, mac] = token.split('.');
    for (const forged of [
      `l${license.id + 1}.${expires}.${mac}`,
      `${holder}.${Number(expires) + 3600}.${mac}`,
      `${holder}.${expires}`,
    ]) {
      expect((await budi.get(`/member/konten/${itemId}/unduh?token=${forged}`)).statusCode).toBe(403);
    }
    // Another item's URL with this token: refused too (the item is signed).
    expect((await budi.get(`/member/konten/${itemId + 1}/unduh?token=${token}`)).statusCode).toBe(403);

    expect((await budi.get(url)).statusCode).toBe(200);
    world.runtime.advance(5 * 60_000 + 1000);
    const expired = await budi.get(url);
    expect(expired.statusCode).toBe(403);
    expect(expired.body).toContain('Buka lagi halaman produknya untuk tautan baru.');

    // Revoked: a fresh URL from before the revocation, and the gate, both refuse.
    const fresh = await signedUrl(budi, itemId, license.id);
    expect(await revokeLicense(licenseDeps(world), license.id, CLI_ACTOR, 'refund')).toEqual({ ok: true });
    for (const path of [fresh, `/member/konten/${itemId}/unduh?lisensi=${license.id}`]) {
      const res = await budi.get(path);
      expect([path, res.statusCode]).toEqual([path, 403]);
      expect(res.body).toContain('Lisensi ini sudah dicabut.');
    }
    expect(await downloads(world)).toEqual([1]);
  });

  it('an expired license, a taken-over device and a product not opened here get no file', async () => {
    const world = await open();
    const admin = await signInAdmin(world);
    const data2 = patternedBytes(1000);
    const ids: Record<string, number> = {};
    for (const title of ['Setahun', 'Ambil Alih']) {
      const productId = await createContent(admin, { title });
      await uploadFile(world, admin, productId, { filename: `${title}.zip`, type: 'application/zip', data: data2 });
      ids[title] = (await storedItems(world, productId))[0]?.id ?? 0;
    }
    const yearly = await buyLicense(world, 'Setahun', BUDI);
    const takeover = await buyLicense(world, 'Ambil Alih', BUDI);
    const laptop = await signIn(world);
    const notOpen = await laptop.get(`/member/konten/${ids['Ambil Alih']}/unduh?lisensi=${takeover.id}`);
    expect([notOpen.statusCode, notOpen.body.includes('belum dibuka di perangkat ini')]).toEqual([403, true]);

    await openProduct(laptop, takeover.id);
    const laptopUrl = await signedUrl(laptop, ids['Ambil Alih'] ?? 0, takeover.id);
    const phone = await signIn(world, BUDI, USER_AGENTS.safariIphone);
    await openProduct(phone, takeover.id);
    const cut = await laptop.get(laptopUrl, { accept: 'application/json' });
    expect([cut.statusCode, cut.json().error.code]).toEqual([403, 'PRODUCT_NOT_OPEN']);
    expect(
      (await phone.get(await signedUrl(phone, ids['Ambil Alih'] ?? 0, takeover.id))).rawPayload.equals(data2),
    ).toBe(true);

    await openProduct(laptop, yearly.id);
    const yearlyUrl = await signedUrl(laptop, ids.Setahun ?? 0, yearly.id);
    await world.database.db
      .updateTable('licenses')
      .set({ expires_at: world.runtime.now() })
      .where('id', '=', yearly.id)
      .execute();
    for (const path of [yearlyUrl, `/member/konten/${ids.Setahun}/unduh?lisensi=${yearly.id}`]) {
      const res = await laptop.get(path, { accept: 'application/json' });
      expect([path, res.statusCode, res.json().error.code]).toEqual([path, 403, 'LICENSE_EXPIRED']);
    }
  });

  it('membership content: every signed-in member downloads it; a license item is not membership content', async () => {
    const world = await open();
    const { itemId: memberItem } = await productWithFile(world, 'Daftar Member KEI');
    const { itemId: licenseItem } = await productWithFile(world, 'Tiga Perangkat');
    for (const email of [BUDI, ANI]) {
      const device = await signIn(world, email);
      const page = await device.get('/member/video');
      expect(page.body).toContain(`href="/member/konten/${memberItem}/unduh"`);
      const url = await signedUrl(device, memberItem);
      expect(url).toMatch(/token=m\d+\./);
      expect((await device.get(url)).rawPayload.equals(data)).toBe(true);
      expect((await device.get(`/member/konten/${licenseItem}/unduh`)).statusCode).toBe(404);
      const list = await device.get('/member/produk');
      expect(list.body).toContain('id="membership-card"');
      expect(list.body).toContain('1 materi');
    }
    expect(await downloads(world)).toEqual([1, 1]);
    // Not a file: a link item has nothing to download.
    const admin = await signInAdmin(world);
    const productId = (
      await world.database.db
        .selectFrom('content_items')
        .select('product_id')
        .where('id', '=', memberItem)
        .executeTakeFirstOrThrow()
    ).product_id;
    await addItem(admin, productId, { kind: 'link', title: 'Grup', url: 'https://t.me/grup' });
    const link = (await storedItems(world, productId)).find((i) => i.kind === 'link');
    const budi = await signIn(world, BUDI, USER_AGENTS.firefoxLinux);
    expect((await budi.get(`/member/konten/${link?.id}/unduh`)).statusCode).toBe(404);
    expect(location(await budi.get(`/member/konten/${memberItem}/unduh`))).toMatch(/token=/);
  });

  it('membership content is refused once the membership ended, and to a buyer of licenses only (403 MEMBERSHIP_ENDED)', async () => {
    const world = await open();
    const { itemId } = await productWithFile(world, 'Daftar Member KEI');
    const device = await signIn(world, BUDI);
    const url = await signedUrl(device, itemId);
    const budi = world.database.db.updateTable('members').where('email', '=', BUDI);
    // Ended a millisecond ago: the signed URL handed out before is refused too.
    await budi.set({ membership_ends_at: world.runtime.now() - 1 }).execute();
    for (const path of [url, `/member/konten/${itemId}/unduh`]) {
      const res = await device.get(path, { accept: 'application/json' });
      expect([path, res.statusCode, res.json().error.code]).toEqual([path, 403, 'MEMBERSHIP_ENDED']);
    }
    await budi.set({ is_member: 0, membership_ends_at: null }).execute();
    const res = await device.get(`/member/konten/${itemId}/unduh`, { accept: 'application/json' });
    expect([res.statusCode, res.json().error.code]).toEqual([403, 'MEMBERSHIP_ENDED']);
    expect((await device.get('/member/produk')).body).not.toContain('id="membership-card"');
  });
});
