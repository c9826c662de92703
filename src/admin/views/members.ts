import type { Paged } from '../../db/index.js';
import { formatPaidAt } from '../../mail/index.js';
import { membershipState } from '../../members/index.js';
import { keyText } from '../../web/copy-key.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import type { memberDetail, membersByEnd } from '../member-service.js';
import { refundForm } from './refund.js';
import { actionButton, badge, pager, rupiah, table, when } from './shell.js';

type MemberRow = {
  id: number;
  email: string;
  name: string;
  phone: string;
  role: string;
  status: string;
  password_set_at: number | null;
  created_at: number;
};

const statusBadge = (status: string) => (status === 'active' ? badge('aktif', 'ok') : badge('nonaktif', 'bad'));

/** "Berakhir dalam 7 hari" / "Sudah berakhir": members by the end of their membership. */
export function membersByEndView(
  rows: Awaited<ReturnType<typeof membersByEnd>>,
  which: 'segera' | 'berakhir',
  tz: string,
): SafeHtml {
  const lines = rows.map(
    (m) =>
      html`<tr><td><a href="/admin/member/${m.id}">${m.email}</a></td><td>${m.name}</td><td>${m.membership_ends_at === null ? '-' : when(m.membership_ends_at, tz)}</td></tr>`,
  );
  return html`<h1>Member</h1>
${endFilters(which)}
${table('members-by-end', ['Email', 'Nama', which === 'segera' ? 'Berakhir' : 'Berakhir pada'], lines, which === 'segera' ? 'Tidak ada keanggotaan yang berakhir dalam 7 hari.' : 'Tidak ada keanggotaan yang sudah berakhir.')}`;
}

function endFilters(current: 'segera' | 'berakhir' | null): SafeHtml {
  const link = (href: string, label: string, on: boolean) =>
    html`<a href="${href}"${on ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<nav class="admin" aria-label="Daftar member">${link('/admin/member', 'Semua', current === null)}${link('/admin/member?masa=segera', 'Berakhir dalam 7 hari', current === 'segera')}${link('/admin/member?masa=berakhir', 'Sudah berakhir', current === 'berakhir')}</nav>`;
}

export function memberListView(
  list: Paged<MemberRow>,
  search: string | undefined,
  csrf: string,
  tz: string,
  refused?: { message: string; values: Record<string, string> },
): SafeHtml {
  const error = refused?.message;
  const typed = refused?.values ?? {};
  const rows = list.rows.map(
    (m) =>
      html`<tr><td><a href="/admin/member/${m.id}">${m.email}</a>${m.role === 'admin' ? html` ${badge('admin', 'warn')}` : ''}</td><td>${m.name}</td><td>${m.phone}</td><td>${statusBadge(m.status)}</td><td>${when(m.created_at, tz)}</td></tr>`,
  );
  return html`<h1>Member</h1>
${endFilters(null)}
<form method="get" action="/admin/member" class="filters" role="search">
<div><label for="q">Cari email, nama atau no. HP (awalan), atau #id</label><input id="q" name="q" type="search" value="${search ?? ''}" autocomplete="off"></div>
<button type="submit" id="search">Cari</button>
</form>
${table('members', ['Email', 'Nama', 'No. HP', 'Status', 'Dibuat'], rows, search ? `Tidak ada member yang cocok dengan "${search}".` : 'Belum ada member.')}
${pager('/admin/member', { q: search }, list.next)}
<details${error ? ' open' : ''}><summary>Buat member secara manual</summary>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/admin/member" class="stack">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="new-email">Email</label><input id="new-email" name="email" type="email" required maxlength="254" value="${typed.email ?? ''}">
<label for="new-name">Nama</label><input id="new-name" name="name" type="text" maxlength="200" value="${typed.name ?? ''}">
<label for="new-phone">No. HP</label><input id="new-phone" name="phone" type="tel" maxlength="40" value="${typed.phone ?? ''}">
<p class="muted">Kata sandi awal acak; member menerima email pendaftaran berisi tautan untuk membuat kata sandi.</p>
<button type="submit" id="create-member">Buat member</button>
</form></details>`;
}

const PROVIDERS: Record<string, string> = { lynk: 'Lynk.id', hesda: 'Hesda', legacy: 'sistem lama' };

/** The membership as the console reads it: until when, for ever, ended, or none (a buyer of licenses). */
function membershipText(
  m: { role: string; is_member: number; membership_ends_at: number | null },
  now: number,
  tz: string,
) {
  if (m.role === 'admin') return '-';
  const state = membershipState(m, now);
  if (state.kind === 'none') return 'tidak ada (pembeli lisensi)';
  if (state.kind === 'expired') return html`${badge('sudah berakhir', 'bad')} ${when(state.endsAt, tz)}`;
  return state.endsAt === null ? 'aktif selamanya' : html`${badge('aktif', 'ok')} sampai ${when(state.endsAt, tz)}`;
}

export function memberDetailView(
  d: NonNullable<Awaited<ReturnType<typeof memberDetail>>>,
  csrf: string,
  tz: string,
  now: number,
  previous?: { name?: unknown; phone?: unknown } | undefined,
  refused?: { message: string; values: Record<string, string> },
): SafeHtml {
  const m = d.member;
  const shown = { name: refused?.values.name ?? m.name, phone: refused?.values.phone ?? m.phone };
  const base = `/admin/member/${m.id}`;
  const devices = d.devices.map(
    (v) =>
      html`<tr><td>${v.browser} · ${v.os}</td><td>${v.live ? badge('sesi aktif', 'ok') : badge('tidak aktif')}</td><td>${when(v.firstSeenAt, tz)}</td><td>${when(v.lastSeenAt, tz)}</td></tr>`,
  );
  const sessions = d.live.map(
    (s) =>
      html`<tr><td>${s.browser} · ${s.os}</td><td>${s.ip ?? '-'}</td><td>${when(s.created_at, tz)}</td><td>${when(s.last_seen_at, tz)}</td><td>${when(Math.min(s.idle_expires_at, s.expires_at), tz)}</td></tr>`,
  );
  const licenses = d.licenses.map(
    (l) =>
      html`<tr><td><a href="/admin/lisensi/${l.id}">${keyText(l.license_key)}</a></td><td>${l.product_title}</td><td>${l.status === 'active' ? badge('aktif', 'ok') : badge('dicabut', 'bad')}</td><td>${when(l.created_at, tz)}</td></tr>`,
  );
  const orders = d.orders.map(
    (o) =>
      html`<li class="product-card" data-order-id="${o.id}"><div><strong>Order <a href="/admin/pesanan/${o.id}">${o.order_no}</a></strong> ${o.refunded_at === null ? badge('lunas', 'ok') : badge('dibatalkan', 'bad')}</div>
<p class="muted">${PROVIDERS[o.provider] ?? o.provider} · ${rupiah(o.grand_total)} · ${o.paid_at ? html`dibayar ${formatPaidAt(o.paid_at)} · ` : ''}dicatat ${when(o.created_at, tz)}</p>
${refundForm(o, csrf, tz, base)}</li>`,
  );
  return html`<p><a href="/admin/member">← Member</a></p>
<h1>${m.name || m.email}${m.imported_at ? html` ${badge('diimpor', 'warn')}` : ''}</h1>
<dl class="facts">
<dt>Email</dt><dd id="member-email">${m.email}</dd>
<dt>No. HP</dt><dd>${m.phone || '-'}</dd>
<dt>Peran</dt><dd>${m.role === 'admin' ? 'admin' : 'member'}</dd>
<dt>Status</dt><dd id="member-status">${statusBadge(m.status)}</dd>
<dt>Keanggotaan</dt><dd id="member-membership">${membershipText(m, now, tz)}</dd>
<dt>Kata sandi</dt><dd>${m.password_change_required ? 'wajib diganti saat masuk (kata sandi lama = nomor HP, atau tidak ada)' : m.password_set_at ? `dibuat member ${when(m.password_set_at, tz)}` : m.imported_at ? 'kata sandi dari sistem lama' : 'belum dibuat member (masih acak/awal)'}</dd>
${m.imported_at ? html`<dt>Asal</dt><dd id="member-imported">diimpor dari sistem lama ${when(m.imported_at, tz)}</dd>` : ''}
<dt>Dibuat</dt><dd>${when(m.created_at, tz)}</dd>
</dl>
<h2>Tindakan</h2>
<div class="actions">
${actionButton(`${base}/keluarkan`, csrf, 'Keluarkan dari semua perangkat', { id: 'force-logout' })}
${actionButton(`${base}/reset-perangkat`, csrf, 'Reset perangkat', { id: 'reset-devices', confirm: 'Semua sesi member berakhir dan perangkatnya dilupakan. Lanjutkan?' })}
${actionButton(`${base}/kirim-ulang-pendaftaran`, csrf, 'Kirim ulang email pendaftaran', { id: 'resend-registration' })}
${
  m.status === 'active'
    ? actionButton(`${base}/nonaktifkan`, csrf, 'Nonaktifkan', {
        id: 'deactivate',
        danger: true,
        confirm: 'Member tidak bisa masuk sampai diaktifkan kembali, dan semua sesinya berakhir. Lanjutkan?',
      })
    : actionButton(`${base}/aktifkan`, csrf, 'Aktifkan kembali', { id: 'reactivate' })
}
</div>
<h2>Ubah data</h2>
${refused ? html`<p class="error" role="alert" id="profile-error">${refused.message}</p>` : ''}
<form method="post" action="${base}/ubah" class="filters" id="profile-form">
<input type="hidden" name="_csrf" value="${csrf}">
<div><label for="profile-name">Nama</label><input id="profile-name" name="name" type="text" maxlength="200" value="${shown.name}"></div>
<div><label for="profile-phone">No. HP</label><input id="profile-phone" name="phone" type="tel" maxlength="40" value="${shown.phone}"></div>
<button type="submit" id="save-profile">Simpan</button>
</form>
${previous ? actionButton(`${base}/ubah`, csrf, 'Urungkan perubahan', { id: 'undo-profile', fields: { name: String(previous.name ?? ''), phone: String(previous.phone ?? '') } }) : ''}
<details id="change-email"><summary>Ganti email</summary>
<form method="post" action="${base}/email" class="stack">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="member-new-email">Email baru</label><input id="member-new-email" name="email" type="email" required maxlength="254">
<p class="muted">Berlaku langsung: lisensi dan pesanan ikut pindah, semua sesi dan tautan email member berakhir, alamat lama dan baru diberi tahu.</p>
<button type="submit" id="save-member-email">Ganti email</button>
</form></details>
<h2>Sesi aktif (${d.live.length})</h2>
${table('sessions', ['Perangkat', 'IP', 'Masuk', 'Terakhir dilihat', 'Berakhir'], sessions, 'Tidak ada sesi aktif.')}
<h2>Perangkat</h2>
${table('devices', ['Perangkat', 'Status', 'Pertama', 'Terakhir'], devices, 'Belum ada perangkat.')}
<h2>Lisensi</h2>
${table('member-licenses', ['Kunci', 'Produk', 'Status', 'Terbit'], licenses, 'Tidak ada lisensi untuk email ini.')}
<h2>Pesanan</h2>
${orders.length === 0 ? html`<p class="muted" id="orders-empty">Tidak ada pesanan.</p>` : html`<ul class="product-cards" id="orders">${orders}</ul>`}
${
  m.role === 'member'
    ? html`<h2>Data pribadi (UU PDP)</h2>
<p>Pembeli berhak meminta datanya dan penghapusannya. Unduh datanya dulu (berkas JSON untuk diberikan kepada pembeli), lalu hapus: pesanan tetap tercatat tanpa nama, email dan nomor HP; kunci lisensinya tetap berlaku.</p>
<p><a class="button-link" href="${base}/ekspor" id="export-member" download>Unduh data member</a></p>
${actionButton(`${base}/hapus`, csrf, 'Hapus member', { id: 'delete-member', danger: true, confirm: 'Akun, sesi, perangkat dan email member ini dihapus untuk selamanya. Lanjutkan?' })}`
    : ''
}`;
}
