import { describe, expect, it } from 'vitest';
import { addAdmin, auditEntries, csrfOf, signInAdmin } from '../helpers/admin.js';
import { cookieHeader, location } from '../helpers/auth.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';
import { addItem, createContent, patternedBytes, storedItems, uploadFile } from './content-world.js';

describe.each(DIALECTS)('editing a product’s content in the console (%s)', (dialect) => {
  const open = worldPerTest(dialect, async (w) => {
    await addAdmin(w);
  });

  const chunkRows = async (world: World) =>
    Number(
      (
        await world.database.db
          .selectFrom('content_file_chunks')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('adds a video (watch URL becomes its embed URL), a link, a text and a file; reorders and removes them', async () => {
    const world = await open();
    const admin = await signInAdmin(world);
    const productId = await createContent(admin, { title: 'Kelas Ekspor' }, 'Kelas Ekspor Pemula');
    const produk = await admin.get('/admin/produk');
    expect(produk.body).toContain(`data-content-product="${productId}"`);
    expect(produk.body).toContain('Kelas Ekspor Pemula');

    const video = await addItem(admin, productId, {
      kind: 'video',
      title: 'Pelajaran 1',
      url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1m5s',
    });
    expect([video.statusCode, location(video)]).toEqual([
      303,
      `/admin/produk/konten/${productId}?pesan=materi-ditambah#content-items`,
    ]);
    expect(
      (await addItem(admin, productId, { kind: 'link', title: 'Grup diskusi', url: 'https://t.me/ekspor' })).statusCode,
    ).toBe(303);
    expect(
      (await addItem(admin, productId, { kind: 'text', title: 'Catatan', body: '**Penting**: baca dulu.' })).statusCode,
    ).toBe(303);
    const data = patternedBytes(700_000);
    const uploaded = await uploadFile(
      world,
      admin,
      productId,
      { filename: 'modul.zip', type: 'application/zip', data },
      { title: 'Modul' },
    );
    expect([uploaded.statusCode, location(uploaded)]).toEqual([
      303,
      `/admin/produk/konten/${productId}?pesan=berkas-diunggah#content-items`,
    ]);

    let items = await storedItems(world, productId);
    expect(items.map((i) => [i.kind, i.title])).toEqual([
      ['video', 'Pelajaran 1'],
      ['link', 'Grup diskusi'],
      ['text', 'Catatan'],
      ['file', 'Modul'],
    ]);
    expect(items[0]?.url).toBe('https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=65');
    expect(items[0]?.source_url).toBe('https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1m5s');
    // 700,000 bytes in 256 KiB chunks: three rows, the file ready with its size and digest.
    const file = await world.database.db.selectFrom('content_files').selectAll().executeTakeFirstOrThrow();
    expect([file.status, Number(file.size), file.name]).toEqual(['ready', 700_000, 'modul.zip']);
    expect(await chunkRows(world)).toBe(3);

    const editor = await admin.get(`/admin/produk/konten/${productId}`);
    expect(editor.statusCode).toBe(200);
    expect(editor.body).toContain('modul.zip · 683,6 KB');
    expect(editor.body).toContain('Diunduh 0 kali oleh 0 pembeli.');
    const csrf = csrfOf(editor.body);
    const [first, , third, fourth] = items;
    // The file moves up twice, then the video down once: file, video, link, text.
    expect((await admin.post(`/admin/produk/materi/${fourth?.id}/naik`, {}, { csrf })).statusCode).toBe(303);
    expect((await admin.post(`/admin/produk/materi/${fourth?.id}/naik`, {}, { csrf })).statusCode).toBe(303);
    expect((await admin.post(`/admin/produk/materi/${first?.id}/turun`, {}, { csrf })).statusCode).toBe(303);
    items = await storedItems(world, productId);
    expect(items.map((i) => i.title)).toEqual(['Modul', 'Pelajaran 1', 'Grup diskusi', 'Catatan']);

    const edited = await admin.post(
      `/admin/produk/materi/${third?.id}`,
      { title: 'Catatan penting', body: '# Judul\n\nIsi baru' },
      { csrf },
    );
    expect(edited.statusCode).toBe(303);
    const removed = await admin.post(`/admin/produk/materi/${fourth?.id}/hapus`, {}, { csrf });
    expect(removed.statusCode).toBe(303);
    items = await storedItems(world, productId);
    expect(items.map((i) => i.title)).toEqual(['Pelajaran 1', 'Grup diskusi', 'Catatan penting']);
    expect(items[2]?.body).toBe('# Judul\n\nIsi baru');
    // The file's bytes went with its item.
    expect(await chunkRows(world)).toBe(0);
    expect(await world.database.db.selectFrom('content_files').select('id').execute()).toEqual([]);

    const actions = (await auditEntries(world)).map((e) => e.action).filter((a) => a.startsWith('content.'));
    expect(actions).toEqual([
      'content.product_create',
      'content.item_add',
      'content.item_add',
      'content.item_add',
      'content.file_upload',
      'content.item_move',
      'content.item_move',
      'content.item_move',
      'content.item_update',
      'content.item_delete',
    ]);
  });

  it('a URL that cannot be framed is kept with a warning; non-http URLs and empty titles are refused', async () => {
    const world = await open();
    const admin = await signInAdmin(world);
    const productId = await createContent(admin, { uuid: 'prod-video' });
    const warned = await addItem(admin, productId, {
      kind: 'video',
      title: 'Kanal',
      url: 'https://www.youtube.com/@kanal',
    });
    expect(location(warned)).toContain('pesan=video-peringatan');
    const page = await admin.get(location(warned) ?? '');
    expect(page.body).toContain('bukan satu video');
    expect(page.body).toContain('Video disimpan, tetapi URL-nya mungkin tidak bisa diputar');
    const refused: Record<string, string>[] = [
      { kind: 'video', title: 'x', url: 'javascript:alert(1)' },
      { kind: 'link', title: 'x', url: 'ftp://example.com/a' },
      { kind: 'link', title: '', url: 'https://example.com' },
      { kind: 'text', title: 'nul', body: 'a\u0000b' },
      { kind: 'berkas', title: 'x' },
    ];
    for (const form of refused) {
      const res = await addItem(admin, productId, form);
      expect([form.kind, form.title, res.statusCode]).toEqual([form.kind, form.title, 400]);
      expect(res.body).toContain('Isi materi dengan benar');
    }
    expect(await storedItems(world, productId)).toHaveLength(1);
    // A second content for the same product is refused, pointing at the existing one.
    const produk = await admin.get('/admin/produk');
    const again = await admin.post(
      '/admin/produk/konten',
      { match: 'uuid', value: 'prod-video', name: '' },
      { csrf: csrfOf(produk.body) },
    );
    expect(location(again)).toBe('/admin/produk?pesan=konten-ada#konten');
  });

  it('an upload without the CSRF token as its first field, or past CONTENT_MAX_UPLOAD_MB, stores nothing', async () => {
    const world = await open({ CONTENT_MAX_UPLOAD_MB: '1' });
    const admin = await signInAdmin(world);
    const productId = await createContent(admin, { title: 'E-book' });
    const file = { filename: 'buku.pdf', type: 'application/pdf', data: patternedBytes(300_000) };
    const missing = await uploadFile(world, admin, productId, file, { csrf: null });
    expect(missing.statusCode).toBe(403);
    const foreign = await uploadFile(world, admin, productId, file, { csrf: 'bukan-token-yang-benar' });
    expect(foreign.statusCode).toBe(403);

    const big = { filename: 'besar.zip', type: 'application/zip', data: patternedBytes(1024 * 1024 + 1) };
    const tooLarge = await uploadFile(world, admin, productId, big);
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.body).toContain('Berkas terlalu besar: maksimal 1 MB');
    expect(await world.database.db.selectFrom('content_files').select('id').execute()).toEqual([]);
    expect(await chunkRows(world)).toBe(0);
    expect(await storedItems(world, productId)).toEqual([]);

    // Exactly at the limit is accepted; an empty file input is asked for again.
    const exact = await uploadFile(world, admin, productId, { ...big, data: patternedBytes(1024 * 1024) });
    expect(exact.statusCode).toBe(303);
    const empty = await uploadFile(world, admin, productId, {
      filename: '',
      type: 'application/octet-stream',
      data: Buffer.alloc(0),
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Pilih berkas untuk diunggah.');
    expect(await storedItems(world, productId)).toHaveLength(1);
  });

  it('an upload that breaks off or is no multipart body as sent is a 400, never a 500, and keeps nothing', async () => {
    const world = await open();
    const admin = await signInAdmin(world);
    const productId = await createContent(admin, { title: 'E-book' });
    const csrf = csrfOf((await admin.get(`/admin/produk/konten/${productId}`)).body);
    const field = `--b\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`;
    for (const payload of [
      `${field}--b\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n${'x'.repeat(600_000)}`,
      field,
      'bukan multipart',
    ]) {
      const res = await world.app.inject({
        method: 'POST',
        url: `/admin/produk/konten/${productId}/berkas`,
        payload,
        headers: {
          'content-type': 'multipart/form-data; boundary=b',
          accept: 'text/html',
          cookie: cookieHeader(admin.cookies),
        },
      });
      expect([payload.slice(-20), res.statusCode]).toEqual([payload.slice(-20), 400]);
    }
    expect(await world.database.db.selectFrom('content_files').select('id').execute()).toEqual([]);
    expect(await chunkRows(world)).toBe(0);
  });

  it('deleting a product’s content removes its items and every file', async () => {
    const world = await open();
    const admin = await signInAdmin(world);
    const productId = await createContent(admin, { title: 'Template' });
    await uploadFile(world, admin, productId, {
      filename: 'a.zip',
      type: 'application/zip',
      data: patternedBytes(10_000),
    });
    await addItem(admin, productId, { kind: 'link', title: 'Canva', url: 'https://canva.com/x' });
    const editor = await admin.get(`/admin/produk/konten/${productId}`);
    const res = await admin.post(`/admin/produk/konten/${productId}/hapus`, {}, { csrf: csrfOf(editor.body) });
    expect(location(res)).toBe('/admin/produk?pesan=konten-dihapus#konten');
    expect(await world.database.db.selectFrom('content_products').select('id').execute()).toEqual([]);
    expect(await world.database.db.selectFrom('content_items').select('id').execute()).toEqual([]);
    expect(await chunkRows(world)).toBe(0);
    expect((await admin.get(`/admin/produk/konten/${productId}`)).statusCode).toBe(404);
  });
});
