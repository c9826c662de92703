import type { LicenseState } from '../../licenses/index.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import { actionButton, badge, table, when } from './shell.js';

/** The activation part of the license detail: state, device limit, devices, and the license actions. */

export interface ActivationRow {
  id: number;
  slot: number;
  name: string;
  created_at: number;
  last_validated_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
}

const STATE_BADGES: Record<LicenseState, SafeHtml> = {
  active: badge('aktif', 'ok'),
  revoked: badge('dicabut', 'bad'),
  expired: badge('kedaluwarsa', 'warn'),
};

export const licenseStateBadge = (state: LicenseState): SafeHtml => STATE_BADGES[state];

const REASONS: Record<string, string> = {
  takeover: 'diambil alih perangkat lain',
  deactivated: 'dilepas',
  reset: 'direset admin',
  license_revoked: 'lisensi dicabut',
};

export const onLimitLabel = (onLimit: 'refuse' | 'takeover') =>
  onLimit === 'takeover' ? 'perangkat baru mengambil alih yang terlama' : 'perangkat baru ditolak';

export function activationsSection(
  license: { id: number; max_devices: number; status: 'active' | 'revoked' },
  activations: readonly ActivationRow[],
  csrf: string,
  tz: string,
): SafeHtml {
  const live = activations.filter((a) => a.revoked_at === null).length;
  const rows = activations.map(
    (a) =>
      html`<tr data-activation="${a.id}"><td>#${a.id}</td><td>${a.name || '-'}</td><td>${a.slot}</td><td>${when(a.created_at, tz)}</td><td>${when(a.last_validated_at, tz)}</td><td>${
        a.revoked_at === null
          ? html`${badge('aktif', 'ok')} ${actionButton(`/admin/lisensi/${license.id}/aktivasi/${a.id}/lepas`, csrf, 'Lepaskan', { id: `release-${a.id}`, confirm: 'Perangkat ini berhenti memakai lisensi. Lanjutkan?' })}`
          : html`${when(a.revoked_at, tz)} · ${REASONS[a.revoked_reason ?? ''] ?? a.revoked_reason ?? '-'}`
      }</td></tr>`,
  );
  const reset =
    live > 0
      ? actionButton(`/admin/lisensi/${license.id}/reset-aktivasi`, csrf, `Reset aktivasi (${live} perangkat)`, {
          id: 'reset-activations',
          danger: true,
          confirm: 'Semua perangkat dilepas dari lisensi ini. Lanjutkan?',
        })
      : '';
  const revoke =
    license.status === 'active'
      ? html`<form method="post" action="/admin/lisensi/${license.id}/cabut" class="stack" id="revoke-form">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="revoke-reason">Alasan pencabutan (opsional, mis. refund)</label>
<input id="revoke-reason" name="reason" type="text" maxlength="200" autocomplete="off">
<label><input type="checkbox" name="confirm" value="ya" required id="revoke-confirm"> Saya yakin: lisensi tidak bisa dipakai lagi dan halaman produk member ditutup.</label>
<button type="submit" class="small danger" id="revoke-license">Cabut lisensi</button>
</form>`
      : actionButton(`/admin/lisensi/${license.id}/pulihkan`, csrf, 'Pulihkan lisensi (urungkan pencabutan)', {
          id: 'restore-license',
        });
  return html`<h2>Aktivasi</h2>
<p id="activations">${live} dari ${license.max_devices} perangkat aktif.</p>
${table('activation-list', ['ID', 'Nama perangkat', 'Slot', 'Dibuat', 'Terakhir divalidasi', 'Berakhir / alasan'], rows, 'Belum ada aktivasi.')}
<div class="actions" id="activation-actions">${reset}</div>
${revoke}`;
}
