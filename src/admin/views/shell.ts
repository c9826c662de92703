import { deliveryErrorText } from '../../shared/delivery-error.js';
import { formatDateTime } from '../../shared/format.js';
import { BRAND_MARKERS } from '../../web/brand.js';
import { html, SafeHtml } from '../../web/html.js';
import { page } from '../../web/layout.js';

/** The console's frame: navigation (scrolls sideways on a phone), the flash message, the page. */

const BRAND_NAME = new SafeHtml(BRAND_MARKERS.name);

export const NAV = [
  ['/admin', 'Ringkasan'],
  ['/admin/pesanan', 'Pesanan'],
  ['/admin/member', 'Member'],
  ['/admin/lisensi', 'Lisensi'],
  ['/admin/ppob', 'PPOB'],
  ['/admin/webhook', 'Webhook'],
  ['/admin/webhook-keluar', 'Webhook keluar'],
  ['/admin/email', 'Email'],
  ['/admin/produk', 'Produk'],
  ['/admin/berbagi', 'Berbagi akun'],
  ['/admin/toko', 'Toko'],
  ['/admin/uji-coba', 'Uji coba'],
  ['/admin/audit', 'Audit'],
  ['/admin/token', 'Token API'],
  ['/admin/kunci-webhook', 'Kunci webhook'],
] as const;

export type NavPath = (typeof NAV)[number][0];

/** Messages shown after an action's redirect (?pesan=…); own keys only, unknown values show nothing. */
export const FLASH: Readonly<Record<string, { text: string; kind: 'ok' | 'error' }>> = {
  keluar: { text: 'Semua sesi member diakhiri. Halaman yang terbuka sudah keluar.', kind: 'ok' },
  reset: { text: 'Perangkat member direset: login berikutnya dari browser mana pun diterima.', kind: 'ok' },
  pendaftaran: { text: 'Email pendaftaran diantrekan ulang dengan tautan baru.', kind: 'ok' },
  nonaktif: { text: 'Member dinonaktifkan dan semua sesinya diakhiri.', kind: 'ok' },
  aktif: { text: 'Member diaktifkan kembali.', kind: 'ok' },
  dibuat: { text: 'Member dibuat; email pendaftaran diantrekan.', kind: 'ok' },
  lisensi: { text: 'Email lisensi diantrekan ulang.', kind: 'ok' },
  ulang: { text: 'Event diproses ulang.', kind: 'ok' },
  retry: { text: 'Email dijadwalkan untuk dikirim sekarang.', kind: 'ok' },
  produk: { text: 'Aturan produk disimpan.', kind: 'ok' },
  hapus: { text: 'Aturan produk dihapus.', kind: 'ok' },
  'konten-isi': { text: 'Isi judul atau UUID produk untuk kontennya.', kind: 'error' },
  'konten-ada': { text: 'Produk itu sudah punya konten. Ubah konten yang ada.', kind: 'error' },
  'konten-dihapus': { text: 'Konten produk dan semua berkasnya dihapus.', kind: 'ok' },
  'materi-ditambah': { text: 'Materi ditambahkan.', kind: 'ok' },
  'materi-diubah': { text: 'Materi disimpan.', kind: 'ok' },
  'materi-dipindah': { text: 'Urutan materi disimpan.', kind: 'ok' },
  'materi-dihapus': { text: 'Materi dihapus.', kind: 'ok' },
  'berkas-diunggah': { text: 'Berkas diunggah.', kind: 'ok' },
  'video-peringatan': {
    text: 'Video disimpan, tetapi URL-nya mungkin tidak bisa diputar di halaman member: lihat peringatan di daftar.',
    kind: 'error',
  },
  dicabut: { text: 'Token dicabut.', kind: 'ok' },
  'lisensi-dicabut': { text: 'Lisensi dicabut. Halaman produk member yang terbuka sudah ditutup.', kind: 'ok' },
  'aktivasi-reset': { text: 'Aktivasi lisensi direset: semua perangkat dilepas.', kind: 'ok' },
  'aktivasi-lepas': { text: 'Perangkat dilepas dari lisensi.', kind: 'ok' },
  konfirmasi: { text: 'Centang konfirmasi dulu untuk mencabut lisensi.', kind: 'error' },
  'ppob-selesai': { text: 'Rekonsiliasi dicatat; halaman transaksi member sudah diperbarui.', kind: 'ok' },
  'ppob-id-dipakai': { text: 'ID Hesda itu sudah tercatat pada transaksi lain.', kind: 'error' },
  'ppob-isi': { text: 'Isi formulir dengan benar.', kind: 'error' },
  'ppob-dipesan': { text: 'Pesanan diterima Hesda.', kind: 'ok' },
  'ppob-ditolak': { text: 'Hesda menolak pesanan.', kind: 'error' },
  'ppob-unknown': { text: 'Jawaban Hesda tidak diketahui: pesanan menunggu rekonsiliasi.', kind: 'error' },
  'ppob-mati': { text: 'Pemesanan PPOB belum diatur (HESDA_API_URL).', kind: 'error' },
  'ppob-member': { text: 'Member dengan email itu tidak ada.', kind: 'error' },
  'endpoint-dibuat': { text: 'Endpoint ditambahkan. Salin rahasianya ke penerima Anda.', kind: 'ok' },
  'endpoint-aktif': { text: 'Endpoint diaktifkan; pengiriman yang menunggu dikirim lagi.', kind: 'ok' },
  'endpoint-nonaktif': { text: 'Endpoint dinonaktifkan; event baru tidak diantrekan untuknya.', kind: 'ok' },
  'uji-dikirim': { text: 'Event uji diantrekan dan segera dikirim.', kind: 'ok' },
  'kirim-ulang': { text: 'Pengiriman dijadwalkan ulang dengan ID event yang sama.', kind: 'ok' },
  'rahasia-baru': { text: 'Rahasia baru dibuat dan dipakai mulai pengiriman berikutnya.', kind: 'ok' },
  'kunci-aktif': {
    text: 'Kunci baru aktif di semua server; kunci sebelumnya tetap diterima sampai batasnya.',
    kind: 'ok',
  },
  'kunci-sama': { text: 'Kunci itu sudah aktif; tidak ada yang diubah.', kind: 'error' },
  'kunci-isi': { text: 'Pilih penyedia dan isi kunci (minimal 8 karakter).', kind: 'error' },
  'kunci-pensiun': { text: 'Kunci lama tidak diterima lagi (di semua server dalam beberapa detik).', kind: 'ok' },
  'ambil-alih-reset': { text: 'Hitungan ambil alih member ini direset.', kind: 'ok' },
  'pelepasan-reset': { text: 'Hitungan pelepasan perangkat lisensi ini direset.', kind: 'ok' },
  'konfirmasi-reset': { text: 'Centang konfirmasi dulu untuk mereset hitungan.', kind: 'error' },
  'reset-disetujui': { text: 'Permintaan reset disetujui: pembeli bisa melepas perangkat lagi.', kind: 'ok' },
  'reset-ditolak': { text: 'Permintaan reset ditolak.', kind: 'ok' },
  toko: { text: 'Pengaturan toko disimpan; semua halaman dan email berikutnya memakainya.', kind: 'ok' },
  logo: { text: 'Logo diunggah.', kind: 'ok' },
  'logo-hapus': { text: 'Logo dihapus.', kind: 'ok' },
  'lisensi-pulih': {
    text: 'Lisensi dipulihkan: kuncinya berlaku lagi. Perangkat yang dulu dilepas perlu diaktifkan ulang.',
    kind: 'ok',
  },
  'lisensi-diubah': {
    text: 'Batas perangkat dan masa berlaku disimpan. Salah ubah? Tekan "Urungkan perubahan".',
    kind: 'ok',
  },
  'lisensi-isi': { text: 'Isi batas perangkat (1–1000) dan tanggal yang benar.', kind: 'error' },
  'lisensi-perangkat-terpakai': {
    text: 'Batas baru lebih kecil dari perangkat yang sedang memakai lisensi: lepaskan perangkat dulu.',
    kind: 'error',
  },
  'member-diubah': { text: 'Data member disimpan. Salah ubah? Tekan "Urungkan perubahan".', kind: 'ok' },
  'member-dihapus': { text: 'Member dihapus; pesanannya tetap tercatat tanpa data pribadi.', kind: 'ok' },
  'ekspor-dulu': { text: 'Unduh data member dulu (tombol "Unduh data member"), lalu hapus.', kind: 'error' },
  gagal: { text: 'Tindakan tidak dapat dilakukan (data tidak ada atau sudah berubah).', kind: 'error' },
  refund: {
    text: 'Pesanan dibatalkan: lisensi dan masa aktif member dari pesanan ini dicabut, pembeli diberi tahu lewat email.',
    kind: 'ok',
  },
  'email-diganti': {
    text: 'Email member diganti; sesi dan tautan lamanya diakhiri, kedua alamat diberi tahu.',
    kind: 'ok',
  },
};

export function flashFor(query: unknown): { text: string; kind: 'ok' | 'error' } | undefined {
  const key = (query as Record<string, unknown> | null)?.pesan;
  return typeof key === 'string' && Object.hasOwn(FLASH, key) ? FLASH[key] : undefined;
}

export interface ShellView {
  title: string;
  active: NavPath;
  csrf: string;
  adminEmail: string;
  flash?: { text: string; kind: 'ok' | 'error' } | undefined;
}

export function adminPage(view: ShellView, body: SafeHtml): string {
  const links = NAV.map(
    ([href, label]) => html`<a href="${href}"${href === view.active ? html` aria-current="page"` : ''}>${label}</a>`,
  );
  return page(
    view.title,
    html`<header class="admin-head">
<strong class="brand">${BRAND_NAME} · Admin</strong>
<span class="muted">${view.adminEmail}</span>
<a href="/akun" id="admin-account">Ubah kata sandi</a>
<form method="post" action="/auth/logout"><input type="hidden" name="_csrf" value="${view.csrf}"><button type="submit" class="small secondary" id="logout">Keluar</button></form>
</header>
<nav class="admin" aria-label="Menu admin">${links}</nav>
${view.flash ? html`<p class="${view.flash.kind}" role="status" id="flash">${view.flash.text}</p>` : ''}
${body}`,
    { wide: true, bodyClass: 'admin' },
  );
}

/** A one-button form: every state change is a POST carrying the CSRF token. */
export function actionButton(
  action: string,
  csrf: string,
  label: string,
  options: { id?: string; danger?: boolean; fields?: Record<string, string>; confirm?: string } = {},
): SafeHtml {
  const fields = Object.entries(options.fields ?? {}).map(
    ([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`,
  );
  const button = html`<button type="submit" class="small${options.danger ? ' danger' : ''}"${options.id ? html` id="${options.id}"` : ''}>${options.confirm ? `Ya, ${label.toLowerCase()}` : label}</button>`;
  const form = html`<form method="post" action="${action}" class="inline"><input type="hidden" name="_csrf" value="${csrf}">${fields}${button}</form>`;
  if (!options.confirm) return form;
  // A destructive action asks first, without script (the CSP allows none): the button opens the
  // question, and only its "Ya, …" button posts.
  return html`<details class="confirm"${options.id ? html` id="${options.id}-ask"` : ''}><summary class="small${options.danger ? ' danger' : ''}">${label}</summary><p>${options.confirm}</p>${form}</details>`;
}

/** "Berikutnya" keeps the filters and moves the keyset bound. */
export function pager(path: string, params: Record<string, string | undefined>, next: number | null): SafeHtml {
  if (next === null) return html``;
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) query.set(k, v);
  query.set('sebelum', String(next));
  return html`<p class="pager"><a href="${`${path}?${query}`}" id="next-page">Berikutnya →</a></p>`;
}

export function when(ms: number | null | undefined, timeZone: string): string {
  return ms === null || ms === undefined ? '-' : formatDateTime(ms, timeZone);
}

export function badge(text: string, tone: 'ok' | 'warn' | 'bad' | 'plain' = 'plain'): SafeHtml {
  return html`<span class="badge ${tone}">${text}</span>`;
}

/**
 * A list table. On a desktop it is a table (scrolling sideways when wider than the page); on a phone
 * each row becomes a card whose cells carry their column's name (`data-label`), so every column is
 * seen without swiping.
 */
export function table(id: string, head: readonly string[], rows: readonly SafeHtml[], empty: string): SafeHtml {
  if (rows.length === 0) return html`<p class="muted" id="${id}-empty">${empty}</p>`;
  const labelled = rows.map((row) => labelCells(row, head));
  return html`<div class="table-wrap"><table id="${id}" class="cards-on-phone"><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${labelled}</tbody></table></div>`;
}

/**
 * Gives the n-th `<td` of a row the n-th column name. A row is this console's own markup: text from
 * outside is escaped, so every `<td` in it opens one of its cells.
 */
export function labelCells(row: SafeHtml, head: readonly string[]): SafeHtml {
  let column = 0;
  return new SafeHtml(
    row.value.replace(/<td(?=[\s>])/g, () => {
      const label = head[column++] ?? '';
      return label === '' ? '<td' : html`<td data-label="${label}"`.value;
    }),
  );
}

export { rupiah } from '../../shared/format.js';

/** A failed send's reason in a list: its Indonesian meaning (shared/delivery-error.ts). */
export function errorText(raw: string | null | undefined): string {
  return raw ? deliveryErrorText(raw) : '';
}

/** The same on a detail page, with what the library or server said kept under "Rincian teknis". */
export function errorDetail(raw: string | null | undefined, id?: string): SafeHtml {
  if (!raw) return html`<dd${id ? html` id="${id}"` : ''}>-</dd>`;
  const meaning = deliveryErrorText(raw);
  return html`<dd${id ? html` id="${id}"` : ''}>${meaning}${meaning === raw ? '' : html`<details class="tech"><summary>Rincian teknis</summary><code>${raw}</code></details>`}</dd>`;
}
