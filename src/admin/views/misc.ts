import type { AuditEntry, Paged } from '../../db/index.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import { ACTOR_LABELS, auditActionLabel } from './audit-labels.js';
import { actionButton, badge, pager, table, when } from './shell.js';
import { OUTCOME_LABELS } from './webhooks.js';

export interface TestPaymentResult {
  status: number;
  eventId: number | null;
  outcome: string | null;
  body: string;
}

export interface TestPaymentForm {
  email: string;
  name: string;
  title: string;
  uuid: string;
  qty: string;
  price: string;
}

export function testPaymentView(
  csrf: string,
  view: { webhookUrl: string; values: TestPaymentForm; error?: string },
  result?: TestPaymentResult,
): SafeHtml {
  const v = view.values;
  return html`<h1>Uji coba</h1>
<p>URL webhook untuk ditempel di dasbor Lynk.id: <code id="webhook-url">${view.webhookUrl}</code></p>
<p>Kirim pembayaran Lynk.id contoh ke server ini, ditandatangani dengan <code>LYNK_MERCHANT_KEY</code> yang terpasang, lewat jalur webhook yang sama dengan pembayaran sungguhan. Hasilnya muncul di Pesanan (sebagai uji coba, tidak dihitung sebagai pendapatan), Lisensi/Member dan Email.</p>
${result ? testResult(result) : ''}
${view.error ? html`<p class="error" role="alert" id="test-error">${view.error}</p>` : ''}
<form method="post" action="/admin/uji-coba" class="stack">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="test-email">Email pembeli</label><input id="test-email" name="email" type="email" required value="${v.email}">
<label for="test-name">Nama pembeli</label><input id="test-name" name="name" type="text" maxlength="200" value="${v.name}">
<label for="test-title">Judul produk</label><input id="test-title" name="title" type="text" required value="${v.title}">
<label for="test-uuid">UUID produk (opsional)</label><input id="test-uuid" name="uuid" type="text" maxlength="200" value="${v.uuid}">
<label for="test-qty">Jumlah (1–20)</label><input id="test-qty" name="qty" type="number" min="1" max="20" step="1" required value="${v.qty}">
<label for="test-price">Harga satuan (Rp)</label><input id="test-price" name="price" type="text" inputmode="numeric" value="${v.price}">
<button type="submit" id="send-test">Kirim pembayaran uji</button>
</form>`;
}

/** The webhook's answer told in words; its raw JSON under "Rincian teknis" for whoever debugs it. */
function testResult(result: TestPaymentResult): SafeHtml {
  const outcome = result.outcome
    ? badge(
        OUTCOME_LABELS[result.outcome as keyof typeof OUTCOME_LABELS] ?? result.outcome,
        result.outcome === 'processed' ? 'ok' : 'warn',
      )
    : '';
  const headline =
    result.status === 200
      ? html`Pembayaran uji diterima server (HTTP 200)${result.outcome ? html` · hasil ${outcome}` : ''}`
      : html`Pembayaran uji ditolak server (HTTP ${result.status})`;
  return html`<div class="${result.status === 200 ? 'ok' : 'error'}" role="status" id="test-result">
<p>${headline}</p>
${result.eventId ? html`<p><a href="/admin/webhook/${result.eventId}" id="test-event">Lihat event #${result.eventId}</a></p>` : ''}
<details class="tech"><summary>Rincian teknis: jawaban webhook</summary><pre class="raw">${result.body}</pre></details></div>`;
}

const ACTOR_TYPES = ['admin', 'api_token', 'cli', 'system', 'member'] as const;

export function auditView(
  list: Paged<AuditEntry>,
  filter: { action: string | undefined; actor: string | undefined },
  actions: string[],
  tz: string,
): SafeHtml {
  const option = (value: string, label: string, current: string | undefined) =>
    html`<option value="${value}"${value === current ? html` selected` : ''}>${label}</option>`;
  const rows = list.rows.map(
    (a) =>
      html`<tr><td>${when(a.at, tz)}</td><td>${badge(ACTOR_LABELS[a.actor_type] ?? a.actor_type)} ${a.actor_label}</td><td>${auditActionLabel(a.action)}<br><code class="muted">${a.action}</code></td><td>${a.target_type ? `${a.target_type} ${a.target_id ?? ''}` : '-'}</td><td>${a.ip ?? '-'}</td><td><code class="details">${a.details === '{}' ? '' : a.details}</code></td></tr>`,
  );
  return html`<h1>Audit</h1>
<form method="get" action="/admin/audit" class="filters">
<div><label for="action">Tindakan</label><select id="action" name="aksi">${option('', 'Semua', filter.action)}${actions.map((a) => option(a, auditActionLabel(a), filter.action))}</select></div>
<div><label for="actor">Pelaku</label><select id="actor" name="pelaku">${option('', 'Semua', filter.actor)}${ACTOR_TYPES.map((a) => option(a, ACTOR_LABELS[a] ?? a, filter.actor))}</select></div>
<button type="submit" id="filter">Saring</button>
</form>
${table('audit', ['Waktu', 'Pelaku', 'Tindakan', 'Sasaran', 'Dari IP', 'Rincian'], rows, 'Belum ada catatan.')}
${pager('/admin/audit', { aksi: filter.action, pelaku: filter.actor }, list.next)}`;
}

export function tokensView(
  tokens: {
    id: number;
    name: string;
    token_prefix: string;
    created_at: number;
    last_used_at: number | null;
    revoked_at: number | null;
  }[],
  csrf: string,
  tz: string,
  created?: { name: string; token: string },
): SafeHtml {
  const rows = tokens.map(
    (t) =>
      html`<tr><td>${t.name}</td><td><code>${t.token_prefix}…</code></td><td>${t.revoked_at ? badge('dicabut', 'bad') : badge('aktif', 'ok')}</td><td>${when(t.created_at, tz)}</td><td>${when(t.last_used_at, tz)}</td><td>${t.revoked_at ? '' : actionButton(`/admin/token/${t.id}/cabut`, csrf, 'Cabut', { danger: true, id: `revoke-${t.id}` })}</td></tr>`,
  );
  return html`<h1>Token API</h1>
<p>Token untuk skrip yang memanggil API admin (<code>Authorization: Bearer gbt_…</code>). Hanya hash-nya yang disimpan: token ditampilkan sekali, saat dibuat.</p>
${
  created
    ? html`<div class="ok" role="status"><p>Token "${created.name}" dibuat. Salin sekarang, token ini tidak akan ditampilkan lagi:</p><p class="secret"><code id="new-token">${created.token}</code></p></div>`
    : ''
}
<form method="post" action="/admin/token" class="filters">
<input type="hidden" name="_csrf" value="${csrf}">
<div><label for="token-name">Nama token</label><input id="token-name" name="name" type="text" required maxlength="100" placeholder="mis. skrip PPOB"></div>
<button type="submit" id="create-token">Buat token</button>
</form>
${table('tokens', ['Nama', 'Awalan', 'Status', 'Dibuat', 'Terakhir dipakai', ''], rows, 'Belum ada token.')}`;
}
