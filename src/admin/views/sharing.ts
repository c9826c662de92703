import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import type { SharingCounts, SharingRow } from '../sharing-service.js';
import { SUSPICION_THRESHOLD } from '../sharing-service.js';
import { table, when } from './shell.js';

/** A POST whose button works only after its checkbox is ticked (the server checks it too). */
export function confirmedAction(
  action: string,
  csrf: string,
  label: string,
  confirm: string,
  options: { id: string; danger?: boolean },
): SafeHtml {
  return html`<form method="post" action="${action}" class="confirm-action" id="${options.id}-form">
<input type="hidden" name="_csrf" value="${csrf}">
<label><input type="checkbox" name="confirm" value="ya" required id="${options.id}-confirm"> ${confirm}</label>
<button type="submit" class="small${options.danger ? ' danger' : ''}" id="${options.id}">${label}</button>
</form>`;
}

const pair = (c: Record<7 | 30, SharingCounts>, key: keyof SharingCounts) => `${c[7][key]} / ${c[30][key]}`;

/**
 * The takeovers-per-day chart: one bar per day, drawn as SVG on the server (no script, readable
 * on a phone). The days with takeovers carry their number; the axis names the first and last day.
 */
export function takeoverChart(days: readonly { day: string; count: number }[]): SafeHtml {
  const width = 300;
  const height = 90;
  const top = 14;
  const bottom = 16;
  const max = Math.max(1, ...days.map((d) => d.count));
  const step = width / Math.max(1, days.length);
  const bars = days.map((d, i) => {
    const h = Math.round(((height - top - bottom) * d.count) / max);
    const x = (i * step + 1).toFixed(1);
    const y = height - bottom - h;
    return html`<rect x="${x}" y="${String(y)}" width="${(step - 2).toFixed(1)}" height="${String(h)}" fill="#c81e1e"><title>${d.day}: ${String(d.count)}</title></rect>${d.count > 0 ? html`<text x="${(i * step + step / 2).toFixed(1)}" y="${String(y - 3)}" font-size="9" text-anchor="middle">${String(d.count)}</text>` : ''}`;
  });
  const first = days[0]?.day ?? '';
  const last = days[days.length - 1]?.day ?? '';
  return html`<svg class="chart" id="takeover-chart" viewBox="0 0 ${String(width)} ${String(height)}" role="img" aria-label="Ambil alih per hari, 30 hari terakhir">
<line x1="0" y1="${String(height - bottom)}" x2="${String(width)}" y2="${String(height - bottom)}" stroke="#cbd2d9"/>
${bars}
<text x="0" y="${String(height - 3)}" font-size="9">${first}</text>
<text x="${String(width)}" y="${String(height - 3)}" font-size="9" text-anchor="end">${last}</text>
</svg>`;
}

export interface PendingReset {
  id: number;
  licenseId: number;
  confirmedAt: number | null;
  licenseKey: string;
  productTitle: string;
  email: string;
}

/** Berbagi akun: both ranked lists and the reset requests waiting for the seller. */
export function sharingListView(
  view: { members: SharingRow[]; licenses: SharingRow[]; pending: PendingReset[]; policy: 'approve' | 'monthly' },
  csrf: string,
  tz: string,
): SafeHtml {
  const memberRows = view.members.map(
    (r) =>
      html`<tr data-member-id="${String(r.id)}"><td><a href="/admin/berbagi/member/${String(r.id)}">${r.label}</a></td><td><strong>${String(r.score)}</strong></td><td>${pair(r.counts, 'moves')}</td><td>${pair(r.counts, 'attempts')}</td><td>${pair(r.counts, 'devices')}</td><td>${pair(r.counts, 'ipPrefixes')}</td></tr>`,
  );
  const licenseRows = view.licenses.map(
    (r) =>
      html`<tr data-license-id="${String(r.id)}"><td><a href="/admin/lisensi/${String(r.id)}">${r.label}</a></td><td><strong>${String(r.score)}</strong></td><td>${pair(r.counts, 'moves')}</td><td>${pair(r.counts, 'attempts')}</td><td>${pair(r.counts, 'devices')}</td><td>${pair(r.counts, 'ipPrefixes')}</td><td>${confirmedAction(`/admin/lisensi/${String(r.id)}/reset-pelepasan`, csrf, 'Reset hitungan', 'Yakin', { id: `reset-transfers-${String(r.id)}` })}</td></tr>`,
  );
  const pendingRows = view.pending.map(
    (p) =>
      html`<tr data-request-id="${String(p.id)}"><td>${p.email}</td><td><a href="/admin/lisensi/${String(p.licenseId)}"><code>${p.licenseKey}</code></a><br>${p.productTitle}</td><td>${when(p.confirmedAt, tz)}</td><td><form method="post" action="/admin/berbagi/reset/${String(p.id)}/setujui" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="small" id="approve-${String(p.id)}">Setujui</button></form><form method="post" action="/admin/berbagi/reset/${String(p.id)}/tolak" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="small secondary" id="reject-${String(p.id)}">Tolak</button></form></td></tr>`,
  );
  const policy =
    view.policy === 'monthly'
      ? 'Kebijakan: satu reset per lisensi per bulan diberikan otomatis setelah pembeli mengonfirmasi email; permintaan berikutnya menunggu Anda.'
      : 'Kebijakan: setiap permintaan reset menunggu persetujuan Anda setelah pembeli mengonfirmasi email.';
  return html`<h1>Dicurigai berbagi akun</h1>
<p class="muted">Angka "7 / 30" = 7 hari / 30 hari terakhir. Skor 30 hari: ambil alih atau pelepasan ×3, percobaan yang ditolak ×2, setiap perangkat di atas dua ×2, setiap jaringan (IP /24 atau /48) di atas dua ×1. Daftar memuat skor ${String(SUSPICION_THRESHOLD)} ke atas. Skor hanya mengurutkan; tidak ada tindakan otomatis selain batas yang diatur.</p>
<h2>Member</h2>
${table('sharing-members', ['Member', 'Skor', 'Ambil alih', 'Percobaan ditolak/konflik', 'Perangkat', 'Jaringan'], memberRows, 'Tidak ada member yang mencurigakan.')}
<h2>Lisensi</h2>
${table('sharing-licenses', ['Lisensi', 'Skor', 'Pelepasan', 'Aktivasi/pelepasan ditolak', 'Perangkat', 'Jaringan', ''], licenseRows, 'Tidak ada lisensi yang mencurigakan.')}
<h2>Permintaan reset pelepasan perangkat</h2>
<p class="muted">${policy}</p>
${table('transfer-resets', ['Pembeli', 'Lisensi', 'Dikonfirmasi', ''], pendingRows, 'Tidak ada permintaan yang menunggu.')}`;
}

export interface MemberEvidenceView {
  member: { id: number; email: string; status: 'active' | 'disabled' };
  counts: Record<7 | 30, SharingCounts>;
  score: number;
  takeovers: { limit: number | null; used: number; nextAt: number | null };
  evidence: {
    deviceId: number | null;
    ipPrefix: string | null;
    browser: string;
    os: string;
    firstAt: number;
    lastAt: number;
    events: number;
  }[];
  chart: { day: string; count: number }[];
}

/** One member's evidence: counts, the chart, devices and networks, and the actions. */
export function memberEvidenceView(v: MemberEvidenceView, csrf: string, tz: string): SafeHtml {
  const base = `/admin/member/${String(v.member.id)}`;
  const countRows = (
    [
      ['Ambil alih', 'moves'],
      ['Konflik dan ambil alih ditolak', 'attempts'],
      ['Perangkat berbeda', 'devices'],
      ['Jaringan berbeda (IP /24 atau /48)', 'ipPrefixes'],
    ] as const
  ).map(
    ([label, key]) =>
      html`<tr><td>${label}</td><td>${String(v.counts[7][key])}</td><td>${String(v.counts[30][key])}</td></tr>`,
  );
  const evidenceRows = v.evidence.map(
    (e) =>
      html`<tr><td>${e.deviceId === null ? '-' : `#${String(e.deviceId)}`}</td><td>${e.browser || '-'} · ${e.os || '-'}</td><td><code>${e.ipPrefix ?? '-'}</code></td><td>${when(e.firstAt, tz)}</td><td>${when(e.lastAt, tz)}</td><td>${String(e.events)}</td></tr>`,
  );
  const limitText =
    v.takeovers.limit === null
      ? 'tanpa batas'
      : `${String(v.takeovers.used)} dari ${String(v.takeovers.limit)} terpakai${v.takeovers.nextAt ? `; bisa lagi mulai ${when(v.takeovers.nextAt, tz)}` : ''}`;
  return html`<h1>${v.member.email}</h1>
<p><a href="/admin/berbagi">← Dicurigai berbagi akun</a> · <a href="${base}">Halaman member</a></p>
<dl class="facts"><dt>Skor 30 hari</dt><dd id="sharing-score">${String(v.score)}</dd><dt>Batas ambil alih</dt><dd id="takeover-allowance">${limitText}</dd></dl>
<table id="sharing-counts" class="counts"><thead><tr><th></th><th>7 hari</th><th>30 hari</th></tr></thead><tbody>${countRows}</tbody></table>
<h2>Ambil alih per hari (30 hari)</h2>
${takeoverChart(v.chart)}
<h2>Perangkat dan jaringan (30 hari)</h2>
${table('sharing-evidence', ['Perangkat', 'Browser · sistem', 'Jaringan', 'Pertama', 'Terakhir', 'Kejadian'], evidenceRows, 'Belum ada catatan.')}
<h2>Tindakan</h2>
<div class="actions">
${confirmedAction(`/admin/berbagi/member/${String(v.member.id)}/reset-ambil-alih`, csrf, 'Reset hitungan ambil alih', 'Yakin: ambil alih sebelumnya tidak dihitung lagi.', { id: 'reset-takeovers' })}
${confirmedAction(`${base}/keluarkan`, csrf, 'Keluarkan dari semua perangkat', 'Yakin: semua sesi member ini berakhir.', { id: 'force-logout' })}
${v.member.status === 'active' ? confirmedAction(`${base}/nonaktifkan`, csrf, 'Nonaktifkan', 'Yakin: member tidak bisa masuk sampai diaktifkan lagi.', { id: 'deactivate', danger: true }) : html`<p class="muted">Member ini sudah dinonaktifkan.</p>`}
</div>`;
}
