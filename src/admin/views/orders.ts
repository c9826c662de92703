import type { OrderFilter, OrderListRow, OrderPage } from '../../orders/index.js';
import { copyableKey } from '../../web/copy-key.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import { MAIL_KIND_LABELS, mailStatusBadge } from './mail.js';
import { badge, pager, rupiah, table, when } from './shell.js';
import { outcomeBadge } from './webhooks.js';

/** Pesanan: the list (filters kept in the query string), the CSV link, and one order with what it granted. */

export interface OrderFilterForm {
  q?: string | undefined;
  dari?: string | undefined;
  sampai?: string | undefined;
  produk?: string | undefined;
  status?: OrderFilter['status'];
  jenis?: OrderFilter['kind'];
}

const MATCH_LABELS: Readonly<Record<string, string>> = {
  uuid: 'aturan (UUID)',
  title: 'aturan (judul)',
  member_title: 'produk member',
  member_uuid: 'produk member (judul berubah)',
  none: 'tanpa aturan: lisensi 1 perangkat',
};

export function orderKindBadge(o: {
  is_test: number;
  anonymised_at: number | null;
  refunded_at: number | null;
}): SafeHtml {
  return html`${o.is_test ? badge('uji coba', 'warn') : o.refunded_at !== null ? badge('dibatalkan', 'bad') : badge('lunas', 'ok')}${o.anonymised_at ? html` ${badge('data dihapus', 'bad')}` : ''}`;
}

function filterQuery(f: OrderFilterForm): Record<string, string | undefined> {
  return { q: f.q, dari: f.dari, sampai: f.sampai, produk: f.produk, status: f.status, jenis: f.jenis };
}

export function orderListView(
  list: { rows: OrderListRow[]; next: number | null },
  f: OrderFilterForm,
  products: readonly string[],
  tz: string,
): SafeHtml {
  const option = (value: string, label: string, current: string | undefined) =>
    html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
  const rows = list.rows.map(
    (o) =>
      html`<tr><td><a href="/admin/pesanan/${o.id}">${o.order_no}</a></td><td>${when(o.created_at, tz)}</td><td>${o.anonymised_at ? '-' : html`${o.customer_name || '-'}<br><span class="muted">${o.email}</span>`}</td><td>${o.products}</td><td class="num">${rupiah(o.grand_total)}</td><td>${orderKindBadge(o)}</td></tr>`,
  );
  const csv = new URLSearchParams();
  for (const [k, v] of Object.entries(filterQuery(f))) if (v) csv.set(k, v);
  const csvHref = `/admin/pesanan.csv${csv.size > 0 ? `?${csv}` : ''}`;
  return html`<h1>Pesanan</h1>
<p><a href="/admin/pendapatan" id="revenue-link">Pendapatan 30 hari →</a></p>
<form method="get" action="/admin/pesanan" class="filters" role="search">
<div><label for="q">Cari email, nama atau nomor order (awalan)</label><input id="q" name="q" type="search" value="${f.q ?? ''}" autocomplete="off"></div>
<div><label for="dari">Dari tanggal</label><input id="dari" name="dari" type="date" value="${f.dari ?? ''}"></div>
<div><label for="sampai">Sampai tanggal</label><input id="sampai" name="sampai" type="date" value="${f.sampai ?? ''}"></div>
<div><label for="produk">Produk</label><select id="produk" name="produk">${option('', 'Semua', f.produk)}${products.map((p) => option(p, p, f.produk))}</select></div>
<div><label for="status">Status</label><select id="status" name="status">${option('', 'Semua', f.status)}${option('lunas', 'Lunas', f.status)}${option('dibatalkan', 'Dibatalkan (refund)', f.status)}${option('anonim', 'Data pembeli dihapus', f.status)}</select></div>
<div><label for="jenis">Jenis</label><select id="jenis" name="jenis">${option('', 'Semua', f.jenis)}${option('nyata', 'Penjualan nyata', f.jenis)}${option('uji', 'Uji coba', f.jenis)}</select></div>
<button type="submit" id="filter">Saring</button>
</form>
<p><a class="button-link" href="${csvHref}" id="export-csv" download>Unduh CSV</a> <span class="muted">semua pesanan yang cocok dengan saringan ini, dibuka langsung di Excel</span></p>
${table('orders', ['Order', 'Waktu', 'Pembeli', 'Produk', 'Total', 'Status'], rows, 'Belum ada pesanan yang cocok.')}
${pager('/admin/pesanan', filterQuery(f), list.next)}`;
}

export function orderDetailView(p: OrderPage, tz: string, refundSection: SafeHtml): SafeHtml {
  const o = p.order;
  const items = p.items.map(
    (i) =>
      html`<tr><td>${i.title}<br><span class="muted">${i.uuid}</span></td><td class="num">${i.qty}</td><td class="num">${rupiah(i.price)}</td><td>${i.action === 'member' ? 'member' : 'lisensi'}</td><td>${i.matched_by === 'none' ? html`${badge(MATCH_LABELS.none ?? '', 'warn')} <a href="/admin/produk?judul=${encodeURIComponent(i.title)}">buat aturan</a>` : (MATCH_LABELS[i.matched_by] ?? i.matched_by)}</td></tr>`,
  );
  const licenses = p.licenses.map(
    (l) =>
      html`<tr><td>${copyableKey(l.license_key)} <a href="/admin/lisensi/${l.id}">buka</a></td><td>${l.product_title}</td><td>${l.status === 'active' ? badge('aktif', 'ok') : badge('dicabut', 'bad')}</td><td>${l.max_devices}</td><td>${l.expires_at ? when(l.expires_at, tz) : 'selamanya'}</td></tr>`,
  );
  const mails = p.mails.map(
    (m) =>
      html`<tr><td><a href="/admin/email/${m.id}">#${m.id}</a></td><td>${MAIL_KIND_LABELS[m.kind] ?? m.kind}</td><td>${m.subject}</td><td>${mailStatusBadge(m.status)}</td><td>${when(m.sent_at ?? m.created_at, tz)}</td></tr>`,
  );
  const events = p.events.map(
    (e) =>
      html`<li><a href="/admin/webhook/${e.id}">Event #${e.id}</a> · ${outcomeBadge(e.outcome)} · ${when(e.received_at, tz)}${e.note ? html`<br><span class="muted">${e.note}</span>` : ''}</li>`,
  );
  return html`<p><a href="/admin/pesanan">← Pesanan</a></p>
<h1>Order ${o.order_no}</h1>
<dl class="facts" id="order-facts">
<dt>Status</dt><dd>${orderKindBadge(o)}${o.anonymised_at ? ` sejak ${when(o.anonymised_at, tz)}` : ''}</dd>
<dt>Pembeli</dt><dd>${o.anonymised_at ? '-' : html`${o.customer_name || '-'} · ${o.email}${o.phone ? ` · ${o.phone}` : ''}`}</dd>
<dt>Total</dt><dd>${rupiah(o.grand_total)}${o.is_test ? ' (tidak dihitung sebagai pendapatan)' : ''}</dd>
<dt>Diterima</dt><dd>${when(o.created_at, tz)}</dd>
<dt>Nomor transaksi</dt><dd><code>${o.transaction_no}</code></dd>
<dt>Ref ${o.provider === 'lynk' ? 'Lynk' : 'Hesda'}</dt><dd><code>${o.external_ref}</code></dd>
</dl>
<h2>Isi pesanan</h2>
${table('order-items', ['Produk', 'Jumlah', 'Harga', 'Menjadi', 'Aturan'], items, 'Isi pesanan tidak tercatat (pesanan dari sebelum daftar pesanan ada, atau diimpor).')}
<h2>Yang diberikan</h2>
<h3>Lisensi</h3>
${table('order-licenses', ['Kunci', 'Produk', 'Status', 'Maks. perangkat', 'Berlaku sampai'], licenses, 'Pesanan ini tidak menerbitkan lisensi.')}
<h3>Keanggotaan</h3>
${p.member ? html`<p id="order-member"><a href="/admin/member/${p.member.id}">${p.member.email}</a> ${p.member.status === 'active' ? badge('aktif', 'ok') : badge('nonaktif', 'bad')}${p.member.source_order_id === o.id ? ' · dibuat oleh pesanan ini' : ' · sudah ada sebelumnya'}</p>` : html`<p class="muted" id="order-member">Tidak ada member dengan email pembeli.</p>`}
<h3>Email</h3>
${table('order-mails', ['Email', 'Jenis', 'Subjek', 'Status', 'Waktu'], mails, 'Tidak ada email untuk pesanan ini.')}
<h3>Webhook</h3>
${events.length > 0 ? html`<ul class="plain" id="order-events">${events}</ul>` : html`<p class="muted" id="order-events">Tidak ada event webhook (pesanan diimpor).</p>`}
<section id="order-refund">${refundSection}</section>`;
}
