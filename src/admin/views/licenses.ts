import type { Paged } from '../../db/index.js';
import type { LicenseState, licenseDetail } from '../../licenses/index.js';
import { isoDay } from '../../shared/zoned-day.js';
import { copyableKey, keyText } from '../../web/copy-key.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import type { ActivationRow } from './license-activations.js';
import { activationsSection, licenseStateBadge, onLimitLabel } from './license-activations.js';
import { mailStatusBadge } from './mail.js';
import { actionButton, badge, errorText, pager, rupiah, table, when } from './shell.js';

type LicenseRow = {
  id: number;
  license_key: string;
  email: string;
  product_title: string;
  status: string;
  expires_at: number | null;
  created_at: number;
  order_no: string;
};

const statusBadge = (s: string) => (s === 'active' ? badge('aktif', 'ok') : badge('dicabut', 'bad'));

export function licenseListView(list: Paged<LicenseRow>, search: string | undefined, tz: string): SafeHtml {
  const rows = list.rows.map(
    (l) =>
      html`<tr><td><a href="/admin/lisensi/${l.id}">${keyText(l.license_key)}</a></td><td>${l.email}</td><td>${l.product_title}</td><td>${statusBadge(l.status)}</td><td>${l.order_no}</td><td>${when(l.created_at, tz)}</td></tr>`,
  );
  return html`<h1>Lisensi</h1>
<form method="get" action="/admin/lisensi" class="filters" role="search">
<div><label for="q">Cari kunci, email atau judul produk (awalan)</label><input id="q" name="q" type="search" value="${search ?? ''}" autocomplete="off"></div>
<button type="submit" id="search">Cari</button>
</form>
${table('licenses', ['Kunci', 'Email', 'Produk', 'Status', 'Order', 'Terbit'], rows, search ? `Tidak ada lisensi yang cocok dengan "${search}".` : 'Belum ada lisensi.')}
${pager('/admin/lisensi', { q: search }, list.next)}`;
}

export function licenseDetailView(
  d: NonNullable<Awaited<ReturnType<typeof licenseDetail>>>,
  csrf: string,
  tz: string,
  live: { state: LicenseState; activations: readonly ActivationRow[] },
  /** The terms before the latest change, when that change is the license's last audited action (undo). */
  previousTerms?: { maxDevices: number; expiresAt: number | null } | undefined,
): SafeHtml {
  const l = d.license;
  const mails = d.mails.map(
    (m) =>
      html`<tr><td><a href="/admin/email/${m.id}">#${m.id}</a></td><td>${mailStatusBadge(m.status)}</td><td>${m.attempts}</td><td>${when(m.created_at, tz)}</td><td>${when(m.sent_at, tz)}</td><td>${errorText(m.last_error)}</td></tr>`,
  );
  return html`<p><a href="/admin/lisensi">← Lisensi</a></p>
<h1>${copyableKey(l.license_key, 'license-key')}${l.imported_at ? html` ${badge('diimpor', 'warn')}` : ''}</h1>
<dl class="facts">
<dt>Produk</dt><dd>${l.product_title} <span class="muted">(${l.product_uuid})</span></dd>
<dt>Status</dt><dd id="license-status">${licenseStateBadge(live.state)}${l.revoked_at ? ` sejak ${when(l.revoked_at, tz)}${l.revoked_reason ? ` (${l.revoked_reason})` : ''}` : ''}</dd>
<dt>Email pembeli</dt><dd>${d.member ? html`<a href="/admin/member/${d.member.id}">${l.email}</a>` : l.email}</dd>
<dt>Maks. perangkat</dt><dd>${l.max_devices}</dd>
<dt>Bila penuh</dt><dd id="license-on-limit">${onLimitLabel(l.on_limit)}</dd>
<dt>Berlaku sampai</dt><dd>${l.expires_at ? when(l.expires_at, tz) : 'selamanya'}</dd>
<dt>Terbit</dt><dd>${when(l.created_at, tz)}</dd>
<dt>Order</dt><dd>${d.order ? `${d.order.order_no} · ${rupiah(d.order.grand_total)} · ${d.order.customer_name}` : '-'}</dd>
<dt>Ref Lynk</dt><dd><code>${l.lynk_ref_id}</code></dd>
${l.imported_at ? html`<dt>Asal</dt><dd id="license-imported">diimpor dari sistem lama ${when(l.imported_at, tz)}${l.legacy_order_no ? ` · order lama ${l.legacy_order_no}` : ''}${l.legacy_transaction_no ? ` · transaksi lama ${l.legacy_transaction_no}` : ''}</dd>` : ''}
</dl>
<h2>Tindakan</h2>
<div class="actions" id="license-actions">
${actionButton(`/admin/lisensi/${l.id}/kirim-ulang`, csrf, 'Kirim ulang email lisensi', { id: 'resend-license' })}
</div>
<h2>Batas perangkat dan masa berlaku</h2>
<form method="post" action="/admin/lisensi/${l.id}/ubah" class="filters" id="terms-form">
<input type="hidden" name="_csrf" value="${csrf}">
<div><label for="terms-devices">Maks. perangkat</label><input id="terms-devices" name="maxDevices" type="number" min="1" max="1000" required value="${String(l.max_devices)}"></div>
<div><label for="terms-expires">Berlaku sampai (kosong: selamanya)</label><input id="terms-expires" name="expires" type="date" value="${l.expires_at ? isoDay(l.expires_at, tz) : ''}"></div>
<button type="submit" id="save-terms">Simpan</button>
</form>
${previousTerms ? actionButton(`/admin/lisensi/${l.id}/ubah`, csrf, 'Urungkan perubahan', { id: 'undo-terms', fields: { maxDevices: String(previousTerms.maxDevices), expires: previousTerms.expiresAt ? isoDay(previousTerms.expiresAt, tz) : '' } }) : ''}
${activationsSection(l, live.activations, csrf, tz)}
<h2>Email lisensi order ini</h2>
${table('license-mails', ['Email', 'Status', 'Percobaan', 'Dibuat', 'Terkirim', 'Galat'], mails, 'Belum ada email lisensi.')}`;
}
