import type { ContentProduct } from '../db/index.js';
import { formatDateTime } from '../shared/format.js';
import type { SafeHtml } from '../web/html.js';
import { html } from '../web/html.js';
import { isPdf } from './delivery.js';
import type { downloadsOf, ItemWithFile } from './store.js';
import { normaliseVideoUrl } from './video-url.js';

/** The console's content pages: the list on Produk and one product's editor. */

type DownloadRow = Awaited<ReturnType<typeof downloadsOf>>[number];

const KIND_LABEL = { video: 'Video', file: 'Berkas', link: 'Tautan', text: 'Teks' } as const;

/** "2,3 MB", as Indonesians write decimals. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 }).format(value)} ${units[unit]}`;
}

const matchText = (p: Pick<ContentProduct, 'match_uuid' | 'match_title'>) =>
  p.match_uuid ? html`UUID <code>${p.match_uuid}</code>` : html`judul "${p.match_title ?? ''}"`;

const audienceText = (membership: boolean) =>
  membership ? 'semua member aktif' : 'pemegang lisensi, di perangkat yang diaktifkan';

/** The "Konten produk" part of the Produk page. */
export function contentProductsSection(
  products: readonly (ContentProduct & { item_count: number | null; membership: boolean })[],
  csrf: string,
): SafeHtml {
  const rows = products.map(
    (p) =>
      html`<tr data-content-product="${p.id}"><td><a href="/admin/produk/konten/${p.id}">${p.name}</a><br><span class="muted">${matchText(p)}</span></td><td>${String(p.item_count ?? 0)}</td><td>${audienceText(p.membership)}</td></tr>`,
  );
  return html`<h2 id="konten">Konten produk</h2>
<p>Materi yang didapat pembeli setelah membayar: video, berkas (PDF dicap nama dan email pembeli), tautan dan teks. Produk member: tampil untuk semua member aktif; produk lisensi: tampil di perangkat tempat lisensi diaktifkan.</p>
${
  rows.length === 0
    ? html`<p class="muted" id="content-products-empty">Belum ada konten produk.</p>`
    : html`<div class="table-wrap"><table id="content-products"><thead><tr><th>Produk</th><th>Materi</th><th>Untuk</th></tr></thead><tbody>${rows}</tbody></table></div>`
}
<h3>Tambah konten produk</h3>
<form method="post" action="/admin/produk/konten" class="stack" id="form-content-product">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="content-by">Cocokkan dengan</label>
<select id="content-by" name="match"><option value="title">Judul produk (persis)</option><option value="uuid">UUID produk Lynk</option></select>
<label for="content-value">Judul atau UUID</label>
<input id="content-value" name="value" type="text" required maxlength="300">
<label for="content-name">Nama untuk pembeli (kosong = judul)</label>
<input id="content-name" name="name" type="text" maxlength="200">
<button type="submit" id="create-content">Buat konten produk</button>
</form>`;
}

export interface EditorView {
  product: ContentProduct;
  membership: boolean;
  items: readonly ItemWithFile[];
  downloads: readonly DownloadRow[];
  csrf: string;
  error?: string | undefined;
  maxUploadBytes: number;
  stampMaxBytes: number;
  timeZone: string;
}

function itemDetails(item: ItemWithFile, view: EditorView): SafeHtml {
  if (item.kind === 'video') {
    const warning = item.source_url ? normaliseVideoUrl(item.source_url)?.warning : null;
    return html`<p class="muted">Diputar dari <code>${item.url ?? ''}</code></p>${warning ? html`<p class="info-box video-warning">${warning}</p>` : ''}`;
  }
  if (item.kind === 'link') return html`<p class="muted"><code>${item.url ?? ''}</code></p>`;
  if (item.kind === 'text') {
    const text = item.body ?? '';
    return html`<p class="muted">${text.length > 160 ? `${text.slice(0, 160)}…` : text}</p>`;
  }
  const file = { name: item.file_name ?? '', mime: item.file_mime ?? '' };
  const size = item.file_size ?? 0;
  const stampNote = !isPdf(file)
    ? ''
    : size > view.stampMaxBytes
      ? html` · <span class="badge warn">terlalu besar untuk dicap</span>`
      : html` · <span class="badge ok">dicap per pembeli</span>`;
  const rows = view.downloads.filter((d) => d.item_id === item.id);
  const total = rows.reduce((sum, d) => sum + d.downloads, 0);
  const list = rows.map(
    (d) =>
      html`<tr><td>${d.holder_kind === 'license' ? html`<code>${d.license_key ?? ''}</code><br>${d.license_email ?? ''}` : html`member ${d.member_email ?? ''}`}</td><td>${String(d.downloads)}</td><td>${d.last_download_at ? formatDateTime(d.last_download_at, view.timeZone) : '-'}</td><td>${d.stamped_file_id ? 'dicap' : (d.stamp_note ?? '-')}</td></tr>`,
  );
  return html`<p class="muted">${file.name} · ${formatBytes(size)}${stampNote}</p>
<p class="downloads" data-downloads="${String(total)}">Diunduh ${String(total)} kali oleh ${String(rows.filter((d) => d.downloads > 0).length)} pembeli.</p>
${rows.length > 0 ? html`<details><summary>Unduhan per pembeli</summary><div class="table-wrap"><table class="downloads-table"><thead><tr><th>Lisensi / member</th><th>Unduhan</th><th>Terakhir</th><th>Cap</th></tr></thead><tbody>${list}</tbody></table></div></details>` : ''}`;
}

function editForm(item: ItemWithFile, csrf: string): SafeHtml {
  const field =
    item.kind === 'video' || item.kind === 'link'
      ? html`<label for="edit-${item.id}-url">URL</label><input id="edit-${item.id}-url" name="url" type="text" required maxlength="2000" value="${item.kind === 'video' ? (item.source_url ?? item.url ?? '') : (item.url ?? '')}">`
      : item.kind === 'text'
        ? html`<label for="edit-${item.id}-body">Teks (Markdown)</label><textarea id="edit-${item.id}-body" name="body" rows="8" maxlength="50000">${item.body ?? ''}</textarea>`
        : '';
  return html`<details><summary>Ubah</summary><form method="post" action="/admin/produk/materi/${item.id}" class="stack">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="edit-${item.id}-title">Judul</label><input id="edit-${item.id}-title" name="title" type="text" required maxlength="200" value="${item.title}">
${field}<button type="submit" class="small">Simpan</button></form></details>`;
}

function itemRow(item: ItemWithFile, index: number, count: number, view: EditorView): SafeHtml {
  const button = (action: string, label: string, extra = '') =>
    html`<form method="post" action="/admin/produk/materi/${item.id}/${action}" class="inline"><input type="hidden" name="_csrf" value="${view.csrf}"><button type="submit" class="small${extra}" aria-label="${label} ${item.title}">${label}</button></form>`;
  return html`<li class="content-admin-item" data-item-id="${item.id}" data-kind="${item.kind}">
<p><span class="badge">${KIND_LABEL[item.kind]}</span> <strong>${item.title}</strong></p>
${itemDetails(item, view)}
<div class="item-actions">${index > 0 ? button('naik', 'Naik', ' secondary') : ''}${index < count - 1 ? button('turun', 'Turun', ' secondary') : ''}</div>
<details class="confirm"><summary>Hapus…</summary>${button('hapus', 'Ya, hapus materi ini', ' danger')}${item.kind === 'file' ? html` <span class="muted">Berkas dan salinan bercap pembeli ikut terhapus.</span>` : ''}</details>
${editForm(item, view.csrf)}
</li>`;
}

export function editorView(view: EditorView): SafeHtml {
  const { product, csrf } = view;
  const base = `/admin/produk/konten/${product.id}`;
  const items = view.items.map((item, i) => itemRow(item, i, view.items.length, view));
  const mb = (bytes: number) => String(Math.round(bytes / 1024 / 1024));
  return html`<p><a href="/admin/produk#konten">← Produk</a></p>
<h1>${product.name}</h1>
<p class="muted">Cocok dengan ${matchText(product)} · untuk ${audienceText(view.membership)}.</p>
${view.error ? html`<p class="error" role="alert" id="content-error">${view.error}</p>` : ''}
<h2>Materi</h2>
${items.length === 0 ? html`<p class="muted" id="content-items-empty">Belum ada materi. Pembeli melihat halaman produk biasa.</p>` : html`<ol class="content-admin" id="content-items">${items}</ol>`}
<h2>Tambah materi</h2>
<details open><summary>Video</summary><form method="post" action="${base}/materi" class="stack" id="add-video">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="kind" value="video">
<label for="video-title">Judul</label><input id="video-title" name="title" type="text" required maxlength="200">
<label for="video-url">URL video (YouTube, Vimeo, Bunny, atau URL embed lain)</label><input id="video-url" name="url" type="text" required maxlength="2000" placeholder="https://www.youtube.com/watch?v=…">
<button type="submit" class="small">Tambah video</button></form></details>
<details><summary>Berkas</summary><form method="post" action="${base}/berkas" enctype="multipart/form-data" class="stack" id="add-file" data-upload data-max-bytes="${String(view.maxUploadBytes)}">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="file-title">Judul (kosong = nama berkas)</label><input id="file-title" name="title" type="text" maxlength="200">
<label for="file-input">Berkas (maks. ${mb(view.maxUploadBytes)} MB; PDF sampai ${mb(view.stampMaxBytes)} MB dicap nama, email dan nomor pesanan pembeli)</label><input id="file-input" name="file" type="file" required>
<button type="submit" class="small">Unggah</button></form></details>
<details><summary>Tautan</summary><form method="post" action="${base}/materi" class="stack" id="add-link">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="kind" value="link">
<label for="link-title">Judul</label><input id="link-title" name="title" type="text" required maxlength="200">
<label for="link-url">URL</label><input id="link-url" name="url" type="text" required maxlength="2000" placeholder="https://…">
<button type="submit" class="small">Tambah tautan</button></form></details>
<details><summary>Teks</summary><form method="post" action="${base}/materi" class="stack" id="add-text">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="kind" value="text">
<label for="text-title">Judul</label><input id="text-title" name="title" type="text" required maxlength="200">
<label for="text-body">Teks (Markdown: **tebal**, _miring_, daftar, [tautan](https://…))</label><textarea id="text-body" name="body" rows="8" maxlength="50000"></textarea>
<button type="submit" class="small">Tambah teks</button></form></details>
<h2>Hapus konten produk</h2>
<details class="confirm"><summary>Hapus konten ini…</summary><p class="muted">Semua materi, berkas dan salinan bercap pembeli terhapus; pembeli kembali melihat halaman produk biasa.</p>
<form method="post" action="${base}/hapus" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="small danger" id="delete-content">Ya, hapus konten dan semua berkasnya</button></form></details>`;
}
