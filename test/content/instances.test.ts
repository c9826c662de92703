import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/members/index.js';
import { payment } from '../helpers/lynk.js';
import type { Cluster } from '../helpers/scale/cluster.js';
import { postLynkTo, startCluster } from '../helpers/scale/cluster.js';
import { DIALECTS, memberRow } from '../helpers/world.js';
import { multipartBody, pageTexts, patternedBytes, samplePdf } from './content-world.js';
import { HttpBrowser } from './http-browser.js';

const PASSWORD = 'kalimat rahasia yang panjang';
const RULES = JSON.stringify([{ title: 'Kelas Video', action: 'license', maxDevices: 1 }]);

/**
 * Files live in the shared database, so an upload through one instance is served by every other,
 * whole or in ranges, and a buyer's stamped PDF made by one is the copy the others serve.
 */
describe.each(DIALECTS.filter((d) => d === 'postgres'))('two instances serve one upload (%s)', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('uploaded on instance 0, downloaded and resumed on instance 1 and 0; the stamped PDF is shared', async () => {
    cluster = await startCluster(2, { PRODUCT_RULES: RULES });
    const c = cluster;
    const now = Date.now();
    const passwordHash = await hashPassword(PASSWORD);
    const admin = await c.db
      .insertInto('members')
      .values({ ...memberRow('admin@toko.example', now), role: 'admin', password_hash: passwordHash })
      .returning('id')
      .executeTakeFirstOrThrow();
    await c.db.insertInto('admin_setup').values({ id: 1, member_id: admin.id, completed_at: now }).execute();
    await c.db
      .insertInto('members')
      .values({ ...memberRow('budi@example.com', now), password_hash: passwordHash })
      .execute();

    // The seller, on instance 0: content for the product, a 3 MB file and a PDF.
    const seller = new HttpBrowser();
    await seller.login(c.url(0), 'admin@toko.example', PASSWORD);
    const created = await seller.postForm(
      `${c.url(0)}/admin/produk/konten`,
      { match: 'title', value: 'Kelas Video', name: '' },
      await seller.csrf(`${c.url(0)}/admin/produk`),
    );
    expect(created.status).toBe(303);
    const editor = `${c.url(0)}${created.headers.get('location')}`;
    const productId = Number(/(\d+)$/.exec(editor)?.[1]);
    const data = patternedBytes(3 * 1024 * 1024 + 12_345);
    const pdf = await samplePdf(2);
    for (const file of [
      { filename: 'rekaman.zip', type: 'application/zip', data },
      { filename: 'ringkasan.pdf', type: 'application/pdf', data: pdf },
    ]) {
      const { payload, contentType } = multipartBody(
        [
          ['_csrf', await seller.csrf(editor)],
          ['title', ''],
        ],
        file,
      );
      const res = await seller.request(`${c.url(0)}/admin/produk/konten/${productId}/berkas`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: payload,
      });
      expect(res.status).toBe(303);
    }
    const items = await c.db.selectFrom('content_items').select(['id', 'title']).orderBy('position').execute();
    const [zip, book] = items;

    // The buyer pays, signs in and opens the product on instance 1.
    expect(
      (
        await postLynkTo(
          c.url(0),
          payment({ email: 'budi@example.com', items: [{ title: 'Kelas Video', uuid: '', qty: 1 }] }),
        )
      ).status,
    ).toBe(200);
    const license = await c.db.selectFrom('licenses').select('id').executeTakeFirstOrThrow();
    const buyer = new HttpBrowser();
    await buyer.login(c.url(1), 'budi@example.com', PASSWORD);
    const productPage = `${c.url(1)}/member/produk/${license.id}`;
    expect((await buyer.postForm(`${productPage}/buka`, {}, await buyer.csrf(productPage))).status).toBe(303);

    const signed = async (instance: number, itemId: number) => {
      const gate = await buyer.request(`${c.url(instance)}/member/konten/${itemId}/unduh?lisensi=${license.id}`);
      expect(gate.status).toBe(303);
      return gate.headers.get('location') ?? '';
    };
    const zipUrl = await signed(1, zip?.id ?? 0);
    const whole = await buyer.request(`${c.url(1)}${zipUrl}`);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);
    // The same signed URL resumes on the other instance.
    const range = await buyer.request(`${c.url(0)}${zipUrl}`, { headers: { range: 'bytes=2000000-2999999' } });
    expect([range.status, range.headers.get('content-range')]).toEqual([206, `bytes 2000000-2999999/${data.length}`]);
    expect(Buffer.from(await range.arrayBuffer()).equals(data.subarray(2_000_000, 3_000_000))).toBe(true);

    // Stamped by instance 1 on the first download, the same copy from instance 0 afterwards.
    const first = Buffer.from(
      await (await buyer.request(`${c.url(1)}${await signed(1, book?.id ?? 0)}`)).arrayBuffer(),
    );
    for (const text of await pageTexts(first)) expect(text).toContain('<budi@example.com>');
    const again = Buffer.from(
      await (await buyer.request(`${c.url(0)}${await signed(0, book?.id ?? 0)}`)).arrayBuffer(),
    );
    expect(again.equals(first)).toBe(true);
    const deliveries = await c.db
      .selectFrom('content_deliveries')
      .select(['item_id', 'downloads'])
      .orderBy('item_id')
      .execute();
    expect(deliveries).toEqual([
      { item_id: zip?.id, downloads: 1 },
      { item_id: book?.id, downloads: 2 },
    ]);
  }, 120_000);
});
