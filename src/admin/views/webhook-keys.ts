import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import type { SigningKeyListing } from '../../webhooks/index.js';
import { actionButton, badge, table, when } from './shell.js';

const STATUS = {
  current: ['aktif', 'ok'],
  previous: ['sebelumnya', 'warn'],
  expired: ['tidak berlaku', 'plain'],
} as const;

/** The webhook keys by fingerprint (never the key), the form for a new one, retire buttons. */
export function webhookKeysView(keys: SigningKeyListing[], csrf: string, tz: string): SafeHtml {
  const rows = keys.map((k) => {
    const [label, tone] = STATUS[k.status];
    const retire =
      k.status === 'previous' && k.id !== null
        ? actionButton(`/admin/kunci-webhook/${k.id}/pensiun`, csrf, 'Pensiunkan', {
            danger: true,
            id: `retire-${k.id}`,
          })
        : '';
    return html`<tr><td>${k.provider === 'lynk' ? 'Lynk.id' : 'Hesda'}</td><td><code>${k.fingerprint}</code></td><td>${badge(label, tone)}</td><td>${k.expiresAt === null ? '-' : when(k.expiresAt, tz)}</td><td>${k.source === 'database' ? 'database' : 'lingkungan (env)'}</td><td>${retire}</td></tr>`;
  });
  return html`<h1>Kunci webhook</h1>
<p>Kunci yang memverifikasi tanda tangan webhook Lynk.id dan Hesda, sama di semua server: kunci baru berlaku di setiap server seketika, tanpa restart. Kunci ditampilkan sebagai sidik jari saja.</p>
<p class="muted">Rotasi: tambahkan kunci baru, tempel kunci itu di dasbor Lynk.id (atau Hesda), lalu pensiunkan kunci sebelumnya setelah tidak dipakai lagi.</p>
<form method="post" action="/admin/kunci-webhook" class="filters" autocomplete="off">
<input type="hidden" name="_csrf" value="${csrf}">
<div><label for="key-provider">Penyedia</label><select id="key-provider" name="provider"><option value="lynk">Lynk.id</option><option value="hesda">Hesda</option></select></div>
<div><label for="key-secret">Kunci baru</label><input id="key-secret" name="secret" type="password" required minlength="8" maxlength="500"></div>
<div><label for="key-hours">Kunci sebelumnya berlaku (jam)</label><input id="key-hours" name="previous_hours" type="number" min="0" max="2160" value="72"></div>
<button type="submit" id="add-key">Aktifkan kunci baru</button>
</form>
${table('webhook-keys', ['Penyedia', 'Sidik jari', 'Status', 'Berlaku sampai', 'Sumber', ''], rows, 'Belum ada kunci.')}`;
}
