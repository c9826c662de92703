import type { RevenueReport } from '../../orders/index.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import { rupiah, table } from './shell.js';

/**
 * Revenue as server-rendered SVG: no script and no inline style (the CSP allows neither), a viewBox
 * so the chart scales to any width, and a <title> per bar for the exact amount.
 */

const WIDTH = 720;
const HEIGHT = 240;
const PAD = { top: 12, right: 16, bottom: 30, left: 16 };

/** "Rp 1,2 jt": short enough for a chart label. */
export function shortRupiah(n: number): string {
  const format = (v: number) => new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 }).format(v);
  if (n >= 1_000_000_000) return `Rp ${format(n / 1_000_000_000)} M`;
  if (n >= 1_000_000) return `Rp ${format(n / 1_000_000)} jt`;
  if (n >= 1_000) return `Rp ${format(n / 1_000)} rb`;
  return `Rp ${format(n)}`;
}

const dayLabel = (day: string) => `${Number(day.slice(8, 10))}/${Number(day.slice(5, 7))}`;

export function dailyRevenueChart(days: RevenueReport['days']): SafeHtml {
  const max = Math.max(1, ...days.map((d) => d.total));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, days.length);
  const bars = days.map((d, i) => {
    const h = d.total === 0 ? 0 : Math.max(2, (d.total / max) * plotH);
    const x = PAD.left + i * slot + slot * 0.15;
    const y = PAD.top + plotH - h;
    const label =
      i % 5 === (days.length - 1) % 5
        ? html`<text x="${(x + slot * 0.35).toFixed(1)}" y="${HEIGHT - 6}" text-anchor="middle" font-size="16" fill="#616e7c">${dayLabel(d.day)}</text>`
        : '';
    return html`<g><rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}" rx="2" fill="currentColor"><title>${dayLabel(d.day)}: ${rupiah(d.total)} (${d.orders} pesanan)</title></rect>${label}</g>`;
  });
  return html`<figure class="chart"><svg id="revenue-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="revenue-chart-title"><title id="revenue-chart-title">Pendapatan per hari, ${days.length} hari terakhir (tertinggi ${rupiah(max)})</title><line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#cbd2d9"/>${bars}</svg><figcaption class="muted">Tertinggi dalam sehari: ${rupiah(max === 1 && days.every((d) => d.total === 0) ? 0 : max)}</figcaption></figure>`;
}

export function productRevenueChart(products: RevenueReport['products']): SafeHtml {
  const shown = products.slice(0, 10);
  if (shown.length === 0) return html``;
  const max = Math.max(1, ...shown.map((p) => p.total));
  const rowH = 30;
  const height = shown.length * rowH;
  const bars = shown.map((p, i) => {
    const w = p.total === 0 ? 0 : Math.max(2, (p.total / max) * 460);
    return html`<g><text x="0" y="${i * rowH + 19}" font-size="13" fill="#1f2933">${p.title.length > 28 ? `${p.title.slice(0, 27)}…` : p.title}</text><rect x="200" y="${i * rowH + 6}" width="${w.toFixed(1)}" height="18" rx="2" fill="currentColor"><title>${p.title}: ${rupiah(p.total)}</title></rect><text x="${(206 + w).toFixed(1)}" y="${i * rowH + 19}" font-size="12" fill="#616e7c">${shortRupiah(p.total)}</text></g>`;
  });
  return html`<figure class="chart"><svg id="product-chart" viewBox="0 0 720 ${height}" role="img" aria-label="Pendapatan per produk">${bars}</svg></figure>`;
}

export function revenueView(report: RevenueReport): SafeHtml {
  const rows = report.products.map(
    (p) => html`<tr><td>${p.title}</td><td class="num">${p.units}</td><td class="num">${rupiah(p.total)}</td></tr>`,
  );
  return html`<p><a href="/admin/pesanan">← Pesanan</a></p>
<h1>Pendapatan</h1>
<p>Total ${report.days.length} hari terakhir: <b id="revenue-total">${rupiah(report.total)}</b></p>
<p class="muted">Hanya penjualan nyata: pembayaran uji coba (Uji coba dan <code>gerbang lynk simulate</code>) tidak dihitung.</p>
<h2>Per hari</h2>
${dailyRevenueChart(report.days)}
<h2>Per produk</h2>
${productRevenueChart(report.products)}
${table('revenue-products', ['Produk', 'Terjual', 'Pendapatan'], rows, 'Belum ada penjualan dalam 30 hari terakhir.')}`;
}
