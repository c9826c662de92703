import type { PpobStatus } from '../../db/index.js';
import type { listPpobPage, ppobDetail } from '../../ppob/index.js';
import { PPOB_STATUSES } from '../../ppob/index.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import { badge, pager, table, when } from './shell.js';
import { eventReason, outcomeBadge } from './webhooks.js';

type PpobList = Awaited<ReturnType<typeof listPpobPage>>;
type PpobDetail = NonNullable<Awaited<ReturnType<typeof ppobDetail>>>;

/** Operator words: `unknown` is the one that needs a person (Hesda's answer never arrived). */
const STATUS_LABELS: Record<PpobStatus, string> = {
  unknown: 'perlu rekonsiliasi',
  pending: 'diproses',
  success: 'berhasil',
  failed: 'gagal',
};
const TONES: Record<PpobStatus, 'ok' | 'warn' | 'bad' | 'plain'> = {
  unknown: 'warn',
  pending: 'plain',
  success: 'ok',
  failed: 'bad',
};
export const ppobStatusBadge = (s: PpobStatus) => badge(STATUS_LABELS[s], TONES[s]);

function orderFormView(csrf: string, key: string): SafeHtml {
  return html`<details id="ppob-order"><summary>Pesan PPOB manual</summary>
<form method="post" action="/admin/ppob" class="stack">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="idempotency_key" value="${key}">
<label for="product_code">Kode produk Hesda</label><input id="product_code" name="product_code" type="text" required maxlength="50" autocomplete="off">
<label for="customer_no">Nomor pelanggan</label><input id="customer_no" name="customer_no" type="text" required maxlength="64" autocomplete="off">
<label for="member_email">Email member (opsional)</label><input id="member_email" name="member_email" type="email" maxlength="254" autocomplete="off">
<button type="submit" id="place-order">Pesan sekarang</button>
</form></details>`;
}

export function ppobListView(
  list: PpobList,
  filter: { status: PpobStatus | undefined; search: string | undefined },
  form: { csrf: string; orderKey: string | null },
  tz: string,
): SafeHtml {
  const option = (value: string, label: string) =>
    html`<option value="${value}"${(filter.status ?? '') === value ? html` selected` : ''}>${label}</option>`;
  const rows = list.rows.map(
    (t) =>
      html`<tr><td><a href="/admin/ppob/${t.id}">#${t.id}</a></td><td>${ppobStatusBadge(t.status)}</td><td>${t.product_code}${t.product_name ? ` · ${t.product_name}` : ''}</td><td>${t.customer_no}</td><td>${t.hesda_transaction_id ? html`<code>${t.hesda_transaction_id}</code>` : '-'}</td><td>${t.member_email ?? '-'}</td><td>${when(t.created_at, tz)}</td></tr>`,
  );
  return html`<h1>PPOB</h1>
<form method="get" action="/admin/ppob" class="filters" role="search">
<div><label for="status">Status</label><select id="status" name="status">${option('', 'Semua')}${PPOB_STATUSES.map((s) => option(s, STATUS_LABELS[s]))}</select></div>
<div><label for="q">Nomor pelanggan, ID Hesda atau email member (persis)</label><input id="q" name="q" type="search" value="${filter.search ?? ''}" autocomplete="off"></div>
<button type="submit" id="filter">Saring</button>
</form>
${form.orderKey ? orderFormView(form.csrf, form.orderKey) : html`<p class="muted" id="ppob-order-off">Pemesanan dari konsol aktif bila HESDA_API_URL diatur.</p>`}
${table('ppob', ['Transaksi', 'Status', 'Produk', 'Pelanggan', 'ID Hesda', 'Member', 'Dibuat'], rows, filter.status || filter.search ? 'Tidak ada transaksi yang cocok.' : 'Belum ada transaksi PPOB.')}
${pager('/admin/ppob', { status: filter.status, q: filter.search }, list.next)}`;
}

function reconcileView(id: number, csrf: string): SafeHtml {
  return html`<h2>Rekonsiliasi</h2>
<p>Jawaban Hesda untuk pesanan ini tidak diketahui. Periksa dashboard Hesda, lalu catat hasilnya. Pesanan tidak pernah dikirim ulang.</p>
<form method="post" action="/admin/ppob/${id}/rekonsiliasi" class="stack" id="resolve-hesda">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="hesda_transaction_id">ID transaksi di Hesda</label><input id="hesda_transaction_id" name="hesda_transaction_id" type="text" required maxlength="200" autocomplete="off">
<button type="submit" id="resolve-id">Catat ID Hesda</button>
</form>
<form method="post" action="/admin/ppob/${id}/rekonsiliasi" class="stack" id="resolve-not-ordered">
<input type="hidden" name="_csrf" value="${csrf}">
<label><input type="checkbox" name="not_ordered" value="ya" required id="not-ordered-confirm"> Sudah saya periksa: pesanan ini tidak ada di Hesda.</label>
<button type="submit" class="danger" id="resolve-none">Tidak ada di Hesda: tandai gagal</button>
</form>`;
}

export function ppobDetailView(d: PpobDetail, csrf: string, tz: string): SafeHtml {
  const t = d.transaction;
  const deliveries = d.deliveries.map(
    (e) =>
      html`<tr><td><a href="/admin/webhook/${e.id}">#${e.id}</a></td><td>${outcomeBadge(e.outcome)}</td><td>${when(e.received_at, tz)}${e.delivery_count > 1 ? ` (${e.delivery_count}×)` : ''}</td><td>${e.note ?? eventReason(e.error_code, e.error_message)}</td></tr>`,
  );
  return html`<p><a href="/admin/ppob">← PPOB</a></p>
<h1>Transaksi #${t.id}</h1>
<dl class="facts">
<dt>Status</dt><dd id="ppob-status">${ppobStatusBadge(t.status)}</dd>
<dt>Produk</dt><dd>${t.product_code}${t.product_name ? ` · ${t.product_name}` : ''}</dd>
<dt>Nomor pelanggan</dt><dd>${t.customer_no}</dd>
<dt>ID Hesda</dt><dd>${t.hesda_transaction_id ? html`<code>${t.hesda_transaction_id}</code>` : '-'}</dd>
<dt>SN</dt><dd>${t.sn ?? '-'}</dd>
<dt>Pesan</dt><dd>${t.message ?? '-'}</dd>
<dt>Galat terakhir</dt><dd>${t.last_error ?? '-'}</dd>
<dt>Member</dt><dd>${d.member ? html`<a href="/admin/member/${d.member.id}">${d.member.email}</a>` : '-'}</dd>
<dt>Idempotency key</dt><dd><code>${t.idempotency_key}</code></dd>
<dt>Dibuat</dt><dd>${when(t.created_at, tz)}</dd>
<dt>Diperbarui</dt><dd>${when(t.updated_at, tz)}</dd>
</dl>
${t.status === 'unknown' ? reconcileView(t.id, csrf) : ''}
<h2>Webhook Hesda</h2>
${table('ppob-deliveries', ['Event', 'Hasil', 'Diterima', 'Keterangan'], deliveries, t.hesda_transaction_id ? 'Belum ada webhook untuk transaksi ini.' : 'ID Hesda belum diketahui.')}`;
}
