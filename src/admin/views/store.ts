import type { Brand } from '../../web/brand.js';
import { LOGO_MAX_BYTES } from '../../web/brand.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import { actionButton } from './shell.js';

/** Toko: the brand every page and mail shows. */
export function storeView(brand: Brand, csrf: string, error?: string): SafeHtml {
  return html`<h1>Toko</h1>
<p>Nama, logo dan warna toko tampil di setiap halaman pembeli dan di setiap email; nama pengirim dan alamat balasan dipakai untuk email.</p>
${error ? html`<p class="error" role="alert" id="store-error">${error}</p>` : ''}
<form method="post" action="/admin/toko" class="stack" id="store-form">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="store-name">Nama toko</label><input id="store-name" name="storeName" type="text" required maxlength="80" value="${brand.storeName}">
<label for="store-color">Warna utama</label><input id="store-color" name="primaryColor" type="color" value="${brand.primaryColor}">
<label for="store-from">Nama pengirim email (kosong: hanya alamat MAIL_FROM)</label><input id="store-from" name="mailFromName" type="text" maxlength="80" value="${brand.mailFromName}">
<label for="store-reply">Alamat balasan email (Reply-To; kosong: tidak ada)</label><input id="store-reply" name="replyTo" type="email" maxlength="254" value="${brand.replyTo}">
<label for="store-footer">Teks kaki halaman dan email (kontak, jam layanan)</label><textarea id="store-footer" name="footerText" rows="3" maxlength="500">${brand.footerText}</textarea>
<button type="submit" id="save-store">Simpan</button>
</form>
<h2>Logo</h2>
${brand.logo ? html`<p><img src="/assets/logo?v=${brand.version}" alt="Logo toko" class="store-logo" id="store-logo"></p>${actionButton('/admin/toko/logo/hapus', csrf, 'Hapus logo', { danger: true, id: 'remove-logo' })}` : html`<p class="muted" id="store-logo">Belum ada logo.</p>`}
<form method="post" action="/admin/toko/logo" enctype="multipart/form-data" class="stack" id="logo-form" data-upload data-max-bytes="${String(LOGO_MAX_BYTES)}">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="logo-file">Berkas logo (PNG, JPEG atau WebP, maksimal ${Math.round(LOGO_MAX_BYTES / 1024)} KB)</label><input id="logo-file" name="logo" type="file" accept="image/png,image/jpeg,image/webp" required>
<button type="submit" id="upload-logo">Unggah logo</button>
</form>`;
}
