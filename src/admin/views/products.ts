import type { ProductRule } from '../../config/index.js';
import type { ProductRuleRow } from '../../db/index.js';
import type { SafeHtml } from '../../web/html.js';
import { html } from '../../web/html.js';
import { actionButton, table } from './shell.js';

function optionalNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

/** A new rule's form may arrive filled in (the overview's "buat aturan" for a product without a rule). */
export interface RulePrefill {
  title?: string | undefined;
  uuid?: string | undefined;
}

/** A refused save: which form (a rule's id, or null for "Tambah aturan"), what was typed, what is wrong. */
export interface RefusedRule {
  ruleId: number | null;
  values: Record<string, string>;
  message: string;
}

function ruleForm(csrf: string, rule: ProductRuleRow | null, prefill: RulePrefill = {}, typed?: RefusedRule): SafeHtml {
  const id = rule ? `r${rule.id}` : 'new';
  const stored = {
    match: rule?.match_uuid !== null && rule?.match_uuid !== undefined ? 'uuid' : 'title',
    value: rule?.match_uuid ?? rule?.match_title ?? prefill.title ?? '',
    action: rule?.action ?? 'license',
    maxDevices: String(rule?.max_devices ?? 1),
    validityDays: optionalNumber(rule?.validity_days),
    onLimit: rule?.on_limit ?? 'refuse',
    offlineGraceDays: optionalNumber(rule?.offline_grace_days),
    maxTransfers: optionalNumber(rule?.max_transfers),
    takeoverLimit: optionalNumber(rule?.takeover_limit),
    renewUrl: rule?.renew_url ?? '',
  };
  // What the seller typed wins over what is stored, so a refused save costs nothing to fix.
  const v = typed ? { ...stored, ...typed.values } : stored;
  const by = v.match;
  const sel = (value: string, current: string, label: string) =>
    html`<option value="${value}"${value === current ? html` selected` : ''}>${label}</option>`;
  return html`<form method="post" action="${rule ? `/admin/produk/${rule.id}` : '/admin/produk'}" class="stack" id="form-${id}">
<input type="hidden" name="_csrf" value="${csrf}">
${typed ? html`<p class="error" role="alert" id="${id}-error">${typed.message}</p>` : ''}
<label for="${id}-by">Cocokkan dengan</label>
<select id="${id}-by" name="match">${sel('title', by, 'Judul produk (huruf besar/kecil dan spasi berlebih diabaikan)')}${sel('uuid', by, 'UUID produk Lynk')}</select>
<label for="${id}-value">Judul atau UUID</label>
<input id="${id}-value" name="value" type="text" required maxlength="300" value="${v.value}"${prefill.title && !rule ? html` autofocus` : ''}>${!rule && prefill.uuid ? html`<span class="muted">UUID produk ini di Lynk: <code>${prefill.uuid}</code> (pilih "UUID produk Lynk" dan tempel UUID ini agar aturan tetap berlaku walau judulnya diganti).</span>` : ''}
<label for="${id}-action">Pembayaran membuat</label>
<select id="${id}-action" name="action">${sel('license', v.action, 'Lisensi')}${sel('member', v.action, 'Pendaftaran member')}</select>
<label for="${id}-devices">Maks. perangkat (lisensi)</label>
<input id="${id}-devices" name="maxDevices" type="number" min="1" max="1000" value="${v.maxDevices}">
<label for="${id}-days">Masa berlaku dalam hari (lisensi atau member, mis. 30 atau 365; kosong = selamanya)</label>
<input id="${id}-days" name="validityDays" type="number" min="1" max="36500" value="${v.validityDays}">
<label for="${id}-limit">Aktivasi di satu perangkat lebih dari batas (lisensi)</label>
<select id="${id}-limit" name="onLimit">${sel('refuse', v.onLimit, 'Tolak (pembeli melepas perangkat dulu)')}${sel('takeover', v.onLimit, 'Ambil alih (perangkat terlama berhenti)')}</select>
<label for="${id}-grace">Hari boleh offline dengan token lisensi (lisensi; kosong = bawaan LICENSE_TOKEN_GRACE_DAYS)</label>
<input id="${id}-grace" name="offlineGraceDays" type="number" min="1" max="365" value="${v.offlineGraceDays}">
<label for="${id}-transfers">Pelepasan perangkat per 30 hari (lisensi; kosong = bawaan LICENSE_MAX_TRANSFERS)</label>
<input id="${id}-transfers" name="maxTransfers" type="number" min="0" max="1000" value="${v.maxTransfers}">
<label for="${id}-takeovers">"Tetap gunakan di sini" per jendela waktu (member; kosong = bawaan TAKEOVER_LIMIT)</label>
<input id="${id}-takeovers" name="takeoverLimit" type="number" min="0" max="1000" value="${v.takeoverLimit}">
<label for="${id}-renew">Tautan perpanjangan (member; halaman produk di Lynk.id untuk membeli lagi)</label>
<input id="${id}-renew" name="renewUrl" type="url" maxlength="500" placeholder="https://lynk.id/…" value="${v.renewUrl}">
<button type="submit" id="save-${id}">${rule ? 'Simpan perubahan' : 'Tambah aturan'}</button>
</form>`;
}

export function productsView(
  rules: ProductRuleRow[],
  env: { rules: readonly ProductRule[]; memberTitles: readonly string[] },
  csrf: string,
  error?: string,
  prefill: RulePrefill = {},
  refused?: RefusedRule,
): SafeHtml {
  const typedFor = (ruleId: number | null) => (refused && refused.ruleId === ruleId ? refused : undefined);
  const describe = (
    action: string,
    maxDevices: number,
    days: number | null | undefined,
    onLimit: string,
    grace: number | null | undefined,
    limits: { takeovers?: number | null | undefined; transfers?: number | null | undefined } = {},
  ) =>
    action === 'member'
      ? `pendaftaran member, ${days ? `${days} hari` : 'selamanya'}${typeof limits.takeovers === 'number' ? `, ambil alih maks. ${limits.takeovers}` : ''}`
      : `lisensi, ${maxDevices} perangkat, ${days ? `${days} hari` : 'selamanya'}${onLimit === 'takeover' ? ', ambil alih bila penuh' : ''}${grace ? `, offline ${grace} hari` : ''}${typeof limits.transfers === 'number' ? `, pelepasan maks. ${limits.transfers} per 30 hari` : ''}`;
  const rows = rules.map(
    (r) =>
      html`<tr><td>${r.match_uuid ? html`UUID <code>${r.match_uuid}</code>` : html`judul "${r.match_title}"`}</td><td>${describe(r.action, r.max_devices, r.validity_days, r.on_limit, r.offline_grace_days, { takeovers: r.takeover_limit, transfers: r.max_transfers })}</td><td><details${typedFor(r.id) ? ' open' : ''}><summary>Ubah</summary>${ruleForm(csrf, r, {}, typedFor(r.id))}</details>${actionButton(`/admin/produk/${r.id}/hapus`, csrf, 'Hapus', { danger: true, id: `delete-r${r.id}` })}</td></tr>`,
  );
  const envRows = env.rules.map(
    (r) =>
      html`<tr><td>${r.uuid ? html`UUID <code>${r.uuid}</code>` : html`judul "${r.title ?? ''}"`}</td><td>${describe(r.action, r.maxDevices, r.validityDays, r.onLimit, r.offlineGraceDays, { takeovers: r.takeoverLimit, transfers: r.maxTransfers })}</td></tr>`,
  );
  return html`<h1>Produk</h1>
<p>Aturan menentukan apa yang dibuat oleh pembayaran sebuah produk. Urutan: aturan UUID dulu, lalu aturan judul; untuk produk yang sama, aturan di halaman ini mengalahkan <code>PRODUCT_RULES</code>; lalu <code>MEMBER_PRODUCT_TITLES</code>; produk lain mendapat lisensi 1 perangkat tanpa batas waktu. Judul dicocokkan tanpa membedakan huruf besar/kecil dan spasi berlebih.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
${table('rules', ['Produk', 'Membuat', ''], rows, 'Belum ada aturan di sini.')}
<h2>Tambah aturan</h2>
${ruleForm(csrf, null, prefill, typedFor(null))}
<h2>Dari lingkungan (hanya baca)</h2>
${table('env-rules', ['Produk', 'Membuat'], envRows, 'PRODUCT_RULES kosong.')}
<p class="muted">MEMBER_PRODUCT_TITLES: ${env.memberTitles.join(', ') || '-'}</p>`;
}
