import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { addAdmin, signInAdmin } from '../helpers/admin.js';
import { addMember, PASSWORD, TestDevice, USER_AGENTS } from '../helpers/auth.js';
import { LICENSE_RULES } from '../helpers/license-world.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';
import {
  createContent,
  pageTexts,
  patternedBytes,
  samplePdf,
  signedUrl,
  storedItems,
  uploadFile,
} from './content-world.js';

const BUDI = 'budi@example.com';
const ANI = 'ani@example.com';

describe.each(DIALECTS)('PDFs stamped per buyer on the first download (%s)', (dialect) => {
  const openWorld = worldPerTest(dialect, async (w) => {
    await addAdmin(w);
    await addMember(w, BUDI);
    await addMember(w, ANI);
  });
  const open = (env: Record<string, string> = {}) => openWorld({ PRODUCT_RULES: LICENSE_RULES, ...env });

  /** A paid order of the product for `email` under `name`; its license id and order number. */
  const buy = async (world: World, email: string, name: string) => {
    const res = await postLynk(
      world.app,
      payment({ email, name, items: [{ title: 'Tiga Perangkat', uuid: '', qty: 1 }] }),
    );
    expect(res.json().outcome).toBe('processed');
    return world.database.db
      .selectFrom('licenses')
      .innerJoin('orders', 'orders.id', 'licenses.order_id')
      .select(['licenses.id', 'orders.order_no'])
      .where('licenses.email', '=', email)
      .executeTakeFirstOrThrow();
  };
  const download = async (world: World, email: string, itemId: number, licenseId: number) => {
    const device = new TestDevice(world.app, { userAgent: USER_AGENTS.chromeWindows });
    expect((await device.login(email, PASSWORD)).statusCode).toBe(303);
    expect((await device.post(`/member/produk/${licenseId}/buka`, {})).statusCode).toBe(303);
    const url = await signedUrl(device, itemId, licenseId);
    return { device, url, res: await device.get(url) };
  };
  const fileRows = async (world: World) =>
    (await world.database.db.selectFrom('content_files').select('id').execute()).length;

  it('every page of the downloaded PDF carries the buyer’s name, email and order; the copy is kept per license', async () => {
    const world = await open();
    const admin = await signInAdmin(world);
    const productId = await createContent(admin, { title: 'Tiga Perangkat' });
    const original = await samplePdf(3);
    await uploadFile(
      world,
      admin,
      productId,
      { filename: 'Panduan Ekspor.pdf', type: 'application/pdf', data: original },
      { title: 'E-book' },
    );
    const [item] = await storedItems(world, productId);
    const itemId = item?.id ?? 0;
    const budi = await buy(world, BUDI, 'Budi Santoso');
    const ani = await buy(world, ANI, 'Ani Ümit');

    const first = await download(world, BUDI, itemId, budi.id);
    expect(first.res.statusCode).toBe(200);
    expect(first.res.headers['content-type']).toBe('application/pdf');
    const stamped = first.res.rawPayload;
    expect(stamped.equals(original)).toBe(false);
    const pages = await pageTexts(stamped);
    expect(pages).toHaveLength(3);
    for (const text of pages) {
      expect(text).toContain('Bab ');
      expect(text).toContain(`Dibeli oleh Budi Santoso <${BUDI}> - Pesanan ${budi.order_no}`);
    }
    const doc = await PDFDocument.load(stamped);
    expect(doc.getKeywords()).toContain(`pembeli:${BUDI}`);
    expect(doc.getKeywords()).toContain(`pesanan:${budi.order_no}`);
    expect(doc.getSubject()).toContain(BUDI);

    // Made once: the next download (and a range of it) serves the kept copy, no new file.
    const files = await fileRows(world);
    const again = await first.device.get(first.url);
    expect(again.rawPayload.equals(stamped)).toBe(true);
    expect(again.headers.etag).toBe(first.res.headers.etag);
    const part = await first.device.get(first.url, { range: 'bytes=100-199' });
    expect([part.statusCode, part.rawPayload.equals(stamped.subarray(100, 200))]).toEqual([206, true]);
    expect(await fileRows(world)).toBe(files);

    // Another buyer gets their own copy (a name outside WinAnsi is kept where the font can print it).
    const hers = await download(world, ANI, itemId, ani.id);
    expect(hers.res.headers.etag).not.toBe(first.res.headers.etag);
    for (const text of await pageTexts(hers.res.rawPayload)) {
      expect(text).toContain(`Dibeli oleh Ani Ümit <${ANI}> - Pesanan ${ani.order_no}`);
      expect(text).not.toContain(BUDI);
    }
    expect(await fileRows(world)).toBe(files + 1);
    const deliveries = await world.database.db.selectFrom('content_deliveries').selectAll().orderBy('id').execute();
    expect(deliveries.map((d) => [d.holder_id, d.downloads, d.stamped_file_id !== null])).toEqual([
      [budi.id, 2, true],
      [ani.id, 1, true],
    ]);
    const editor = await admin.get(`/admin/produk/konten/${productId}`);
    expect(editor.body).toContain('Diunduh 3 kali oleh 2 pembeli.');
    expect(editor.body).toContain('dicap per pembeli');
  });

  it('a PDF over CONTENT_STAMP_MAX_MB, or one that is not a PDF inside, goes out as uploaded and the seller sees why', async () => {
    const world = await open({ CONTENT_STAMP_MAX_MB: '1' });
    const admin = await signInAdmin(world);
    const productId = await createContent(admin, { title: 'Tiga Perangkat' });
    const big = Buffer.concat([await samplePdf(1), patternedBytes(1024 * 1024)]);
    const broken = Buffer.from('%PDF-1.7 bukan isi pdf yang benar');
    await uploadFile(world, admin, productId, { filename: 'besar.pdf', type: 'application/pdf', data: big });
    await uploadFile(world, admin, productId, { filename: 'rusak.pdf', type: 'application/pdf', data: broken });
    const [bigItem, brokenItem] = await storedItems(world, productId);
    const budi = await buy(world, BUDI, 'Budi');
    const one = await download(world, BUDI, bigItem?.id ?? 0, budi.id);
    expect(one.res.rawPayload.equals(big)).toBe(true);
    const url = await signedUrl(one.device, brokenItem?.id ?? 0, budi.id);
    expect((await one.device.get(url)).rawPayload.equals(broken)).toBe(true);
    const notes = await world.database.db.selectFrom('content_deliveries').select('stamp_note').orderBy('id').execute();
    expect(notes.map((n) => n.stamp_note)).toEqual(['terlalu besar', 'tidak terbaca']);
    const editor = await admin.get(`/admin/produk/konten/${productId}`);
    expect(editor.body).toContain('terlalu besar untuk dicap');
    expect(editor.body).toContain('tidak terbaca');
  });
});
