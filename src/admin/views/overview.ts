import { html } from '../../web/html.js';
import type { Overview, UnmatchedProduct } from '../overview.js';
import { ONLINE_WINDOW_MS } from '../overview.js';
import { rupiah, when } from './shell.js';

export function overviewView(o: Overview, streams: number, timeZone: string) {
  const tile = (id: string, label: string, value: string | number, href: string) =>
    html`<a class="tile" id="${id}" href="${href}"><span class="muted">${label}</span><b>${value}</b></a>`;
  return html`<h1>Ringkasan</h1>
<p class="muted">Hari ini sejak ${when(o.dayStart, timeZone)}.</p>
<div class="tiles">
${tile('tile-payments', 'Pembayaran hari ini', o.paymentsToday, '/admin/pesanan?jenis=nyata')}
${tile('tile-revenue', 'Pendapatan hari ini', rupiah(o.revenueToday), '/admin/pendapatan')}
${tile('tile-licenses', 'Lisensi terbit hari ini', o.licensesToday, '/admin/lisensi')}
${tile('tile-members', 'Member baru hari ini', o.newMembersToday, '/admin/member')}
${tile('tile-failed', 'Event gagal', o.failedEvents, '/admin/webhook?hasil=failed')}
${tile('tile-mail', 'Email menunggu', o.mailsWaiting, '/admin/email?status=pending')}
${tile('tile-mail-failed', 'Email gagal', o.mailsFailed, '/admin/email?status=failed')}
${tile('tile-online', 'Member online', o.membersOnline, '/admin/member')}
${tile('tile-streams', 'Halaman terhubung (server ini)', streams, '/admin/member')}
</div>
<p class="muted">"Member online": member dengan sesi aktif yang membuka halaman dalam ${Math.round(ONLINE_WINDOW_MS / 60_000)} menit terakhir (dari database, semua server). "Halaman terhubung": stream realtime yang terbuka ke server ini sekarang (satu per browser).</p>`;
}

/** "3 pembayaran untuk produk tanpa aturan", each product with its one-click rule. */
export function unmatchedNotice(products: readonly UnmatchedProduct[]) {
  if (products.length === 0) return html``;
  const payments = products.reduce((n, p) => n + p.orders, 0);
  const items = products.map(
    (p) =>
      html`<li><b>${p.title}</b> · ${p.orders} pembayaran · <a href="/admin/produk?${new URLSearchParams({ judul: p.title, ...(p.uuid ? { uuid: p.uuid } : {}) }).toString()}" class="make-rule">buat aturan</a> · <a href="/admin/pesanan?${new URLSearchParams({ produk: p.title }).toString()}">lihat pesanan</a></li>`,
  );
  return html`<div class="info-box" role="status" id="unmatched-products">
<p><b>${payments} pembayaran untuk produk tanpa aturan.</b> Produk ini tidak cocok dengan aturan mana pun, jadi pembelinya mendapat lisensi 1 perangkat (bawaan). Buat aturan agar pembayaran berikutnya memberi yang benar (lisensi atau member).</p>
<ul>${items}</ul></div>`;
}
