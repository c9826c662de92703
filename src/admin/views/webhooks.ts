import type { Paged, WebhookEvent } from '../../db/index.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import { OTHER_IPS } from '../../webhooks/index.js';
import type { listEvents } from '../lists.js';
import { badge, pager, table, when } from './shell.js';

type EventRow = Awaited<ReturnType<typeof listEvents>> extends Paged<infer T> ? T : never;

export const OUTCOME_LABELS = {
  processed: 'diproses',
  ignored: 'diabaikan',
  failed: 'gagal',
  rejected: 'ditolak',
} as const;

export function outcomeBadge(outcome: keyof typeof OUTCOME_LABELS): SafeHtml {
  const tone = outcome === 'processed' ? 'ok' : outcome === 'ignored' ? 'plain' : outcome === 'failed' ? 'warn' : 'bad';
  return badge(OUTCOME_LABELS[outcome], tone);
}

/**
 * Why an event was refused or not processed, in Indonesian. Refusals store the library-facing reason
 * (English, for logs and the JSON answer to the sender); the console says what it means instead.
 * Reasons written in Indonesian by Gerbang (a duplicate payment, an event not acted on, a field of
 * the payment) are shown as stored. The code and stored text stay under "Rincian teknis".
 */
const REFUSAL_TEXT: Readonly<Record<string, string>> = {
  INVALID_SIGNATURE: 'Tanda tangan tidak cocok: dikirim dengan kunci lain, atau bukan dari penyedia.',
  MISSING_SIGNATURE: 'Dikirim tanpa tanda tangan.',
  SIGNATURE_REUSED: 'Tanda tangan yang sudah dipakai datang lagi dengan isi lain: ditolak sebagai pemalsuan.',
  INVALID_PAYLOAD: 'Isinya bukan event yang dikenal.',
  INVALID_JSON: 'Isinya bukan JSON yang bisa dibaca.',
  PROCESSING_ERROR: 'Galat saat memproses: setelah penyebabnya diperbaiki, proses ulang event ini.',
};

export function eventReason(code: string | null, message: string | null): string {
  if (code === null) return '';
  return REFUSAL_TEXT[code] ?? message ?? '';
}

/** The reason with its code and stored text for whoever debugs it (support, the sender's docs). */
function eventReasonDetail(code: string | null, message: string | null): SafeHtml {
  if (code === null) return html`-`;
  const technical = `${code}${message ? `: ${message}` : ''}`;
  return html`${eventReason(code, message)}<details class="tech"><summary>Rincian teknis</summary><code>${technical}</code></details>`;
}

const signature = (valid: number) => (valid === 1 ? badge('sah', 'ok') : badge('tidak sah', 'bad'));

/** A rejected row counts every refusal of its IP and reason in one minute; '*': many addresses at once. */
const sender = (ip: string | null) => (ip === OTHER_IPS ? 'berbagai IP' : (ip ?? '-'));

type Counted = { outcome: keyof typeof OUTCOME_LABELS; delivery_count: number; last_received_at: number };

/** How often it arrived: a repeat count for deliveries, the refusals counted on a rejected row. */
function arrivals(e: Counted, tz: string): string {
  if (e.delivery_count <= 1) return '';
  return e.outcome === 'rejected'
    ? ` · ${e.delivery_count}× ditolak, terakhir ${when(e.last_received_at, tz)}`
    : ` (${e.delivery_count}×)`;
}

export function eventListView(
  list: Paged<EventRow>,
  filter: { provider: string | undefined; outcome: string | undefined },
  tz: string,
): SafeHtml {
  const option = (value: string, label: string, current: string | undefined) =>
    html`<option value="${value}"${current === value ? html` selected` : ''}>${label}</option>`;
  const rows = list.rows.map(
    (e) =>
      html`<tr><td><a href="/admin/webhook/${e.id}">#${e.id}</a></td><td>${e.provider}</td><td>${outcomeBadge(e.outcome)}</td><td>${signature(e.signature_valid)}</td><td>${e.event_type ?? '-'}</td><td>${when(e.received_at, tz)}${arrivals(e, tz)}</td><td>${e.note ?? eventReason(e.error_code, e.error_message)}${e.outcome === 'rejected' ? ` · dari ${sender(e.remote_ip)}` : ''}</td></tr>`,
  );
  return html`<h1>Webhook</h1>
<form method="get" action="/admin/webhook" class="filters">
<div><label for="provider">Sumber</label><select id="provider" name="sumber">${option('', 'Semua', filter.provider)}${option('lynk', 'Lynk.id', filter.provider)}${option('hesda', 'Hesda', filter.provider)}</select></div>
<div><label for="outcome">Hasil</label><select id="outcome" name="hasil">${option('', 'Semua', filter.outcome)}${Object.entries(OUTCOME_LABELS).map(([v, l]) => option(v, l, filter.outcome))}</select></div>
<button type="submit" id="filter">Saring</button>
</form>
${table('events', ['Event', 'Sumber', 'Hasil', 'Tanda tangan', 'Jenis', 'Diterima', 'Keterangan'], rows, 'Belum ada webhook yang cocok.')}
${pager('/admin/webhook', { sumber: filter.provider, hasil: filter.outcome }, list.next)}`;
}

/** The body as received, indented when it is JSON (rejected bodies may not be). */
export function prettyBody(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

export function eventDetailView(
  e: WebhookEvent,
  csrf: string,
  tz: string,
  replay?: { outcome: string; detail: string | null } | { error: string },
): SafeHtml {
  const replayable = e.provider === 'lynk' && e.signature_valid === 1 && e.outcome === 'failed';
  return html`<p><a href="/admin/webhook">← Webhook</a></p>
<h1>Event #${e.id}</h1>
${replay ? ('error' in replay ? html`<p class="error" role="alert" id="replay-result">${replay.error}</p>` : html`<p class="${replay.outcome === 'processed' ? 'ok' : 'error'}" role="status" id="replay-result">Diproses ulang: ${OUTCOME_LABELS[replay.outcome as keyof typeof OUTCOME_LABELS] ?? replay.outcome}${replay.detail ? ` — ${replay.detail}` : ''}</p>`) : ''}
<dl class="facts">
<dt>Sumber</dt><dd>${e.provider}</dd>
<dt>Hasil</dt><dd id="event-outcome">${outcomeBadge(e.outcome)}</dd>
<dt>Tanda tangan</dt><dd>${signature(e.signature_valid)}</dd>
<dt>ID pengiriman</dt><dd><code>${e.external_id ?? '-'}</code></dd>
<dt>Jenis</dt><dd>${e.event_type ?? '-'}</dd>
<dt>Diterima</dt><dd>${when(e.received_at, tz)} · ${e.delivery_count}× ${e.outcome === 'rejected' ? 'ditolak dalam menit ini (dari IP ini, alasan yang sama)' : 'dikirim'} · terakhir ${when(e.last_received_at, tz)}</dd>
<dt>Diproses</dt><dd>${when(e.processed_at, tz)} · ${e.attempts} percobaan</dd>
<dt>Dari IP</dt><dd>${sender(e.remote_ip)}</dd>
<dt>Catatan</dt><dd>${e.note ?? '-'}</dd>
<dt>Galat</dt><dd id="event-error">${eventReasonDetail(e.error_code, e.error_message)}</dd>
</dl>
${
  replayable
    ? html`<h2>Proses ulang</h2>
<p class="muted">Setelah penyebabnya diperbaiki (aturan produk, email pembeli), event ini bisa diproses ulang. Event yang sudah diproses tidak pernah diulang.</p>
<form method="post" action="/admin/webhook/${e.id}/ulang" class="stack">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="replay-email">Email pembeli (opsional, bila di payload kosong)</label><input id="replay-email" name="email" type="email">
<button type="submit" id="replay">Proses ulang</button>
</form>`
    : ''
}
<h2>Isi mentah${e.outcome === 'rejected' ? html` <span class="muted">(contoh: kiriman pertama, paling banyak 16 KiB)</span>` : ''}</h2>
<pre class="raw" id="raw-body">${prettyBody(e.raw_body)}</pre>`;
}
