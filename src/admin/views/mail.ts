import type { MailRow, Paged } from '../../db/index.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import type { listOutbox } from '../lists.js';
import { actionButton, badge, errorDetail, errorText, pager, table, when } from './shell.js';

type OutboxRow = Awaited<ReturnType<typeof listOutbox>> extends Paged<infer T> ? T : never;

const STATUS = { pending: 'menunggu', sending: 'sedang dikirim', sent: 'terkirim', failed: 'gagal' } as const;
/** What each outbox message is, as the console names it. */
export const MAIL_KIND_LABELS: Readonly<Record<string, string>> = {
  license: 'lisensi',
  registration: 'pendaftaran',
  login_link: 'tautan login',
};
export const mailStatusBadge = (s: keyof typeof STATUS) =>
  badge(STATUS[s], s === 'sent' ? 'ok' : s === 'failed' ? 'bad' : 'warn');
const statusBadge = mailStatusBadge;

export function mailListView(
  list: Paged<OutboxRow>,
  filter: { status: string | undefined; to: string | undefined },
  devMailbox: boolean,
  tz: string,
): SafeHtml {
  const option = (value: string, label: string) =>
    html`<option value="${value}"${filter.status === value ? html` selected` : ''}>${label}</option>`;
  const rows = list.rows.map(
    (m) =>
      html`<tr><td><a href="/admin/email/${m.id}">#${m.id}</a></td><td>${m.to_address}</td><td>${m.subject}</td><td>${statusBadge(m.status)}${m.transport === 'dev' ? html` ${badge('dev')}` : ''}</td><td>${m.attempts}</td><td>${when(m.created_at, tz)}</td><td>${errorText(m.last_error)}</td></tr>`,
  );
  return html`<h1>Email</h1>
${devMailbox ? html`<p class="info-box">SMTP belum diatur (SMTP_URL): email tidak keluar dari server dan disimpan di kotak surat dev ini. Buka satu email untuk melihat tampilannya.</p>` : ''}
<form method="get" action="/admin/email" class="filters">
<div><label for="status">Status</label><select id="status" name="status">${option('', 'Semua')}${Object.entries(STATUS).map(([v, l]) => option(v, l))}</select></div>
<div><label for="to">Penerima (awalan)</label><input id="to" name="kepada" type="search" value="${filter.to ?? ''}"></div>
<button type="submit" id="filter">Saring</button>
</form>
${table('outbox', ['Email', 'Kepada', 'Subjek', 'Status', 'Percobaan', 'Dibuat', 'Galat terakhir'], rows, 'Kotak keluar kosong.')}
${pager('/admin/email', { status: filter.status, kepada: filter.to }, list.next)}`;
}

export function mailDetailView(m: MailRow, csrf: string, showHtml: boolean, tz: string): SafeHtml {
  const retryable = m.status === 'failed' || m.status === 'pending';
  return html`<p><a href="/admin/email">← Email</a></p>
<h1>${m.subject}</h1>
<dl class="facts">
<dt>Kepada</dt><dd>${m.to_address}</dd>
<dt>Jenis</dt><dd>${MAIL_KIND_LABELS[m.kind] ?? m.kind}</dd>
<dt>Status</dt><dd id="mail-status">${statusBadge(m.status)}${m.transport ? ` via ${m.transport === 'dev' ? 'kotak surat dev' : 'SMTP'}` : ''}</dd>
<dt>Percobaan</dt><dd id="mail-attempts">${m.attempts}</dd>
<dt>Berikutnya</dt><dd>${m.status === 'pending' ? when(m.next_attempt_at, tz) : '-'}</dd>
<dt>Galat terakhir</dt>${errorDetail(m.last_error, 'mail-error')}
<dt>Dibuat</dt><dd>${when(m.created_at, tz)}</dd>
<dt>Terkirim</dt><dd>${when(m.sent_at, tz)}</dd>
</dl>
${retryable ? actionButton(`/admin/email/${m.id}/kirim-ulang`, csrf, 'Kirim sekarang', { id: 'retry-mail' }) : ''}
${
  m.html_body && showHtml
    ? html`<h2>Tampilan</h2><iframe class="mail" id="mail-frame" title="Isi email" sandbox="" referrerpolicy="no-referrer" src="/admin/email/${m.id}/isi"></iframe>`
    : ''
}
<h2>Teks</h2>
${m.text_body ? html`<pre class="raw">${m.text_body}</pre>` : html`<p class="muted">Isi dibuat saat email dikirim.</p>`}`;
}
