import type { WebhookAttempt, WebhookDeliveryStatus, WebhookEndpoint } from '../../db/index.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import type { deliveryDetail, listEndpointDeliveries, listEndpoints } from '../../webhooks-out/index.js';
import { WEBHOOK_EVENT_TYPES } from '../../webhooks-out/index.js';
import { actionButton, badge, errorDetail, errorText, pager, table, when } from './shell.js';

const PATH = '/admin/webhook-keluar';

const STATUS: Record<WebhookDeliveryStatus, string> = {
  pending: 'menunggu',
  sending: 'dikirim',
  delivered: 'terkirim',
  failed: 'gagal',
};
const statusBadge = (s: WebhookDeliveryStatus) =>
  badge(STATUS[s], s === 'delivered' ? 'ok' : s === 'failed' ? 'bad' : 'warn');

const eventsLabel = (types: string) => (types === '' ? 'semua event' : types.split(',').join(', '));

type EndpointRow = Awaited<ReturnType<typeof listEndpoints>>[number];

export function endpointsView(endpoints: EndpointRow[], csrf: string, tz: string, error?: string): SafeHtml {
  const rows = endpoints.map(
    (e) =>
      html`<tr><td><a href="${PATH}/${e.id}">${e.url}</a>${e.description ? html`<br><span class="muted">${e.description}</span>` : ''}</td><td>${eventsLabel(e.event_types)}</td><td>${e.enabled ? badge('aktif', 'ok') : badge('nonaktif')}</td><td>${e.waiting}</td><td>${e.failed > 0 ? badge(String(e.failed), 'bad') : '0'}</td><td>${when(e.created_at, tz)}</td></tr>`,
  );
  const checkboxes = Object.entries(WEBHOOK_EVENT_TYPES).map(
    ([type, label]) =>
      html`<label><input type="checkbox" name="events" value="${type}"> <code>${type}</code> — ${label}</label>`,
  );
  return html`<h1>Webhook keluar</h1>
<p>Gerbang mengirim event ke sistem Anda (server toko, spreadsheet, bot) dengan tanda tangan <a href="https://www.standardwebhooks.com">Standard Webhooks</a>: header <code>webhook-id</code>, <code>webhook-timestamp</code> dan <code>webhook-signature</code>. Pengiriman yang gagal dicoba lagi dengan jeda yang makin panjang selama beberapa hari; ID event tetap sama di setiap percobaan.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
${table('endpoints', ['Endpoint', 'Event', 'Status', 'Menunggu', 'Gagal', 'Dibuat'], rows, 'Belum ada endpoint.')}
<h2>Tambah endpoint</h2>
<form method="post" action="${PATH}" class="stack" id="add-endpoint">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="endpoint-url">URL penerima</label>
<input id="endpoint-url" name="url" type="url" required maxlength="2000" placeholder="https://toko.example.com/webhooks/gerbang">
<label for="endpoint-description">Keterangan (opsional)</label>
<input id="endpoint-description" name="description" type="text" maxlength="200">
<fieldset><legend>Event (tidak dicentang = semua event)</legend>${checkboxes}</fieldset>
<button type="submit" id="save-endpoint">Tambah endpoint</button>
</form>`;
}

type Deliveries = Awaited<ReturnType<typeof listEndpointDeliveries>>;

export function endpointDetailView(
  e: WebhookEndpoint,
  secret: string | null,
  deliveries: Deliveries,
  csrf: string,
  tz: string,
): SafeHtml {
  const rows = deliveries.rows.map(
    (d) =>
      html`<tr><td><a href="${PATH}/pengiriman/${d.id}">${d.webhook_id}</a></td><td><code>${d.event_type}</code></td><td>${statusBadge(d.status)}</td><td>${d.attempts}</td><td>${d.last_status ?? '-'}</td><td>${d.status === 'pending' ? when(d.next_attempt_at, tz) : '-'}</td><td>${when(d.created_at, tz)}</td><td>${errorText(d.last_error)}</td><td>${d.status === 'sending' ? '' : actionButton(`${PATH}/pengiriman/${d.id}/kirim-ulang`, csrf, 'Kirim ulang', { id: `resend-${d.id}` })}</td></tr>`,
  );
  return html`<p><a href="${PATH}">← Webhook keluar</a></p>
<h1>${e.url}</h1>
<dl class="facts">
<dt>Keterangan</dt><dd>${e.description || '-'}</dd>
<dt>Event</dt><dd>${eventsLabel(e.event_types)}</dd>
<dt>Status</dt><dd id="endpoint-status">${e.enabled ? badge('aktif', 'ok') : badge('nonaktif')}</dd>
<dt>Rahasia</dt><dd>${
    secret === null
      ? html`<span class="error" id="secret-unreadable">Rahasia tidak bisa dibuka (COOKIE_SECRET berubah?). Pengiriman menunggu sampai Anda membuat rahasia baru.</span>`
      : html`<details><summary>Tampilkan rahasia</summary><code id="endpoint-secret">${secret}</code></details>`
  }</dd>
<dt>Dibuat</dt><dd>${when(e.created_at, tz)}</dd>
</dl>
<p>
${actionButton(`${PATH}/${e.id}/uji`, csrf, 'Kirim event uji', { id: 'send-test' })}
${actionButton(`${PATH}/${e.id}/aktif`, csrf, e.enabled ? 'Nonaktifkan' : 'Aktifkan', { id: 'toggle-endpoint', fields: { enabled: e.enabled ? '0' : '1' } })}
${actionButton(`${PATH}/${e.id}/rahasia`, csrf, 'Buat rahasia baru', { id: 'rotate-secret', danger: true })}
</p>
<h2>Log pengiriman</h2>
${table('deliveries', ['ID event', 'Event', 'Status', 'Percobaan', 'HTTP', 'Berikutnya', 'Dibuat', 'Galat terakhir', ''], rows, 'Belum ada pengiriman.')}
${pager(`${PATH}/${e.id}`, {}, deliveries.next)}`;
}

type DeliveryDetail = NonNullable<Awaited<ReturnType<typeof deliveryDetail>>>;

const attemptRow = (a: WebhookAttempt, tz: string) =>
  html`<tr><td>${when(a.attempted_at, tz)}</td><td>${a.status_code ?? '-'}</td><td>${a.duration_ms} ms</td><td>${errorText(a.error)}</td><td>${a.response_excerpt ? html`<code>${a.response_excerpt.slice(0, 300)}</code>` : ''}</td></tr>`;

export function webhookDeliveryView({ delivery: d, attempts }: DeliveryDetail, csrf: string, tz: string): SafeHtml {
  let pretty = d.payload;
  try {
    pretty = JSON.stringify(JSON.parse(d.payload), null, 2);
  } catch {}
  return html`<p><a href="${PATH}/${d.endpoint_id}">← ${d.url}</a></p>
<h1><code>${d.event_type}</code></h1>
<dl class="facts">
<dt>ID event (webhook-id)</dt><dd><code id="webhook-id">${d.webhook_id}</code></dd>
<dt>Status</dt><dd id="delivery-status">${statusBadge(d.status)}</dd>
<dt>Percobaan</dt><dd id="delivery-attempts">${d.attempts}</dd>
<dt>Berikutnya</dt><dd>${d.status === 'pending' ? when(d.next_attempt_at, tz) : '-'}</dd>
<dt>Galat terakhir</dt>${errorDetail(d.last_error)}
<dt>Dibuat</dt><dd>${when(d.created_at, tz)}</dd>
<dt>Terkirim</dt><dd>${when(d.delivered_at, tz)}</dd>
</dl>
${d.status === 'sending' ? '' : actionButton(`${PATH}/pengiriman/${d.id}/kirim-ulang`, csrf, 'Kirim ulang', { id: 'resend' })}
<h2>Percobaan</h2>
${table(
  'attempts',
  ['Waktu', 'HTTP', 'Durasi', 'Galat', 'Jawaban penerima'],
  attempts.map((a) => attemptRow(a, tz)),
  'Belum dicoba.',
)}
<h2>Isi</h2>
<pre class="raw">${pretty}</pre>`;
}
