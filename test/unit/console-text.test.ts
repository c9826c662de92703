import { describe, expect, it } from 'vitest';
import { errorDetail, labelCells, table } from '../../src/admin/views/shell.js';
import { deliveryErrorText } from '../../src/shared/delivery-error.js';
import { html } from '../../src/web/html.js';

describe('a failed send is told in Indonesian', () => {
  it.each([
    [
      'connect ECONNREFUSED 127.0.0.1:2526',
      'Server tujuan menolak sambungan: server tidak berjalan atau port-nya salah.',
    ],
    ['ECONNREFUSED', 'Server tujuan menolak sambungan: server tidak berjalan atau port-nya salah.'],
    ['getaddrinfo ENOTFOUND smtp.tidak-ada.example', 'Nama server tujuan tidak ditemukan: periksa alamatnya.'],
    ['ENOTFOUND', 'Nama server tujuan tidak ditemukan: periksa alamatnya.'],
    ['Greeting never received', 'Server tujuan tidak menjawab tepat waktu.'],
    ['Connection timeout', 'Server tujuan tidak menjawab tepat waktu.'],
    ['UND_ERR_SOCKET', 'Sambungan diputus oleh server tujuan.'],
    [
      'self-signed certificate',
      'Sambungan aman (TLS) gagal: sertifikat server tujuan tidak sah atau pengaturan TLS tidak cocok.',
    ],
    ['Invalid login: 535 5.7.8 Error: authentication failed', 'Server email menolak nama pengguna atau kata sandinya.'],
    [
      "Can't send mail - all recipients were rejected: 550 5.1.1 <x@y>: Recipient address rejected",
      'Server email menolak alamat penerima.',
    ],
    ['bad port', 'Alamat tujuan tidak valid (skema, nama server, atau port yang tidak diizinkan).'],
    ['HTTP 500', 'Server penerima sedang bermasalah (HTTP 500); dicoba lagi nanti.'],
    ['HTTP 404', 'Alamat penerima tidak ada (HTTP 404): periksa URL-nya.'],
    ['HTTP 401', 'Penerima menolak kiriman (HTTP 401): periksa rahasia atau izinnya.'],
    ['HTTP 410', 'Penerima menolak kiriman (HTTP 410).'],
    // Our own reasons are Indonesian already and stay as they are.
    ['batas waktu habis', 'batas waktu habis'],
    ['rahasia endpoint tidak bisa dibuka', 'rahasia endpoint tidak bisa dibuka'],
    ['WhatsApp belum diatur (WHATSAPP_GATEWAY)', 'WhatsApp belum diatur (WHATSAPP_GATEWAY)'],
    // Anything else: no English sentence on screen, the original under "Rincian teknis".
    ['Unexpected socket state 42', 'Pengiriman gagal; lihat rincian teknis.'],
  ])('%s', (raw, meaning) => {
    expect(deliveryErrorText(raw)).toBe(meaning);
  });

  it('a detail page keeps the original, escaped, under "Rincian teknis"', () => {
    const shown = errorDetail('connect ECONNREFUSED <127.0.0.1>', 'mail-error').value;
    expect(shown).toContain('id="mail-error"');
    expect(shown).toContain('Server tujuan menolak sambungan');
    expect(shown).toContain('<summary>Rincian teknis</summary><code>connect ECONNREFUSED &lt;127.0.0.1&gt;</code>');
    expect(errorDetail('batas waktu habis').value).not.toContain('Rincian teknis');
    expect(errorDetail(null).value).toBe('<dd>-</dd>');
  });
});

describe('a console table becomes cards on a phone', () => {
  it('gives each cell its column name, escaped, and leaves an unnamed column unlabelled', () => {
    const row = html`<tr data-id="1"><td><a href="/x">${'<td>budi'}</a></td><td class="num">Rp 10.000</td><td>${'aksi'}</td></tr>`;
    expect(labelCells(row, ['Email', 'Total "Rp"', '']).value).toBe(
      '<tr data-id="1"><td data-label="Email"><a href="/x">&lt;td&gt;budi</a></td><td data-label="Total &quot;Rp&quot;" class="num">Rp 10.000</td><td>aksi</td></tr>',
    );
  });

  it('marks the table for the phone layout, and an empty list is a sentence', () => {
    const rows = [html`<tr><td>a</td><td>b</td></tr>`];
    const shown = table('members', ['Email', 'Nama'], rows, 'Belum ada member.').value;
    expect(shown).toContain('<table id="members" class="cards-on-phone">');
    expect(shown).toContain('<td data-label="Email">a</td><td data-label="Nama">b</td>');
    expect(table('members', ['Email'], [], 'Belum ada member.').value).toBe(
      '<p class="muted" id="members-empty">Belum ada member.</p>',
    );
  });
});
