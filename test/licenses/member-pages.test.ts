import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { revokeLicense } from '../../src/licenses/index.js';
import { addMember, location, PASSWORD, TestDevice, USER_AGENTS } from '../helpers/auth.js';
import { buyLicense, LICENSE_RULES, licenseApi, licenseDeps, liveActivations } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const BUDI = 'budi@example.com';
const ANI = 'ani@example.com';

describe.each(DIALECTS)('"Lisensi saya" and the open-product page (%s)', (dialect) => {
  const openWorld = worldPerTest(dialect, async (w) => {
    await addMember(w, BUDI);
    await addMember(w, ANI);
  });
  const open = () => openWorld({ PRODUCT_RULES: LICENSE_RULES, MAX_DEVICES_PER_MEMBER: '2' });
  const signIn = async (world: World, email = BUDI, userAgent: string = USER_AGENTS.chromeWindows) => {
    const device = new TestDevice(world.app, { userAgent });
    expect((await device.login(email, PASSWORD)).statusCode).toBe(303);
    return device;
  };
  const activationOnPage = (body: string) => Number(/data-activation-id="(\d+)"/.exec(body)?.[1] ?? 0);

  it('opening the product activates it for this browser and shows the content', async () => {
    const world = await open();
    const license = await buyLicense(world, 'Tiga Perangkat', 'BUDI@example.com');
    const budi = await signIn(world);
    const before = await budi.get(`/member/produk/${license.id}`);
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain('id="open-product"');
    expect(before.body).not.toContain('id="product-content"');

    const opened = await budi.post(`/member/produk/${license.id}/buka`, {});
    expect(opened.statusCode).toBe(303);
    expect(location(opened)).toBe(`/member/produk/${license.id}`);
    const page = await budi.get(`/member/produk/${license.id}`);
    expect(page.body).toContain('id="product-content"');
    expect(page.body).toContain(license.key);
    expect(page.body).toContain(`data-license-id="${license.id}"`);
    const [live] = await liveActivations(world, license.id);
    expect(activationOnPage(page.body)).toBe(live?.id);
    expect(live?.name).toBe('Chrome 131 di Windows');
    // Opening again on the same browser is the same activation.
    await budi.post(`/member/produk/${license.id}/buka`, {});
    expect(await liveActivations(world, license.id)).toHaveLength(1);
  });

  it('a second device takes a 1-device takeover license over: the first one must open it again', async () => {
    const world = await open();
    const license = await buyLicense(world, 'Ambil Alih');
    const laptop = await signIn(world, BUDI, USER_AGENTS.chromeWindows);
    const phone = await signIn(world, BUDI, USER_AGENTS.safariIphone);
    await laptop.post(`/member/produk/${license.id}/buka`, {});
    const warned = await phone.get(`/member/produk/${license.id}`);
    expect(warned.body).toContain('menutup akses di perangkat yang paling lama');
    await phone.post(`/member/produk/${license.id}/buka`, {});
    expect(activationOnPage((await phone.get(`/member/produk/${license.id}`)).body)).toBeGreaterThan(0);
    const back = await laptop.get(`/member/produk/${license.id}`);
    expect(back.body).not.toContain('id="product-content"');
    expect(back.body).toContain('id="open-product"');
  });

  it("a full refuse-policy license answers 409 listing the devices; revoked licenses 403; others' 404", async () => {
    const world = await open();
    const license = await buyLicense(world, 'Satu Perangkat');
    await licenseApi(world, 'activate', { key: license.key, fingerprint: 'app', name: 'Aplikasi desktop' });
    const budi = await signIn(world);
    const refused = await budi.post(`/member/produk/${license.id}/buka`, {});
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('Batas 1 perangkat');
    expect(refused.body).toContain('Aplikasi desktop');

    const ani = await signIn(world, ANI);
    expect((await ani.get(`/member/produk/${license.id}`)).statusCode).toBe(404);
    expect((await ani.post(`/member/produk/${license.id}/buka`, {})).statusCode).toBe(404);
    expect((await budi.get('/member/produk/abc')).statusCode).toBe(404);

    await revokeLicense(licenseDeps(world), license.id, CLI_ACTOR);
    const revoked = await budi.get(`/member/produk/${license.id}`);
    expect(revoked.statusCode).toBe(403);
    expect(revoked.body).toContain('Lisensi ini sudah dicabut.');
  });

  it('"Lisensi saya" lists each license\'s devices; the member releases one (with CSRF, own only)', async () => {
    const world = await open();
    const license = await buyLicense(world, 'Tiga Perangkat');
    const activation = (
      await licenseApi(world, 'activate', { key: license.key, fingerprint: 'pc', name: 'PC Rumah' })
    ).json().activation.id;
    const budi = await signIn(world);
    const page = await budi.get('/member/lisensi');
    expect(page.body).toContain('PC Rumah');
    expect(page.body).toContain('1 / 3');
    expect(page.body).toContain(`href="/member/produk/${license.id}"`);

    const release = `/member/lisensi/aktivasi/${activation}/lepas`;
    expect((await budi.post(release, {}, { csrf: null })).statusCode).toBe(403);
    const ani = await signIn(world, ANI);
    expect((await ani.post(release, {})).statusCode).toBe(404);
    expect(await liveActivations(world, license.id)).toHaveLength(1);

    const released = await budi.post(release, {});
    expect(released.statusCode).toBe(303);
    expect(location(released)).toBe('/member/lisensi?dilepas=1');
    expect(await liveActivations(world, license.id)).toHaveLength(0);
    const after = await budi.get('/member/lisensi?dilepas=1');
    expect(after.body).toContain('Perangkat dilepas dari lisensi.');
    expect(after.body).toContain('0 / 3');
    expect((await budi.post(release, {})).statusCode).toBe(404);
  });
});
