import { formatDate } from '../../shared/format.js';
import type {
  EmailChangedMailParams,
  EmailChangeMailParams,
  MembershipReminderMailParams,
  PasswordResetMailParams,
  RefundMailParams,
} from '../outbox.js';
import type { RenderedMail } from './layout.js';
import { renderPlainMail } from './layout.js';

/** The mails members get about their own account: a new password, a new address, time running out, a refund. */

const NOT_YOU = 'Jika Anda tidak memintanya, abaikan email ini; akun Anda tetap aman.';

export function passwordResetMailSubject(): string {
  return 'Buat kata sandi baru untuk akun Anda';
}

export function renderPasswordResetMail(
  p: PasswordResetMailParams,
  link: { url: string; validMinutes: number },
): RenderedMail {
  return renderPlainMail({
    subject: passwordResetMailSubject(),
    heading: 'Buat kata sandi baru',
    name: p.name,
    paragraphs: [
      `Seseorang (semoga Anda) meminta tautan untuk membuat kata sandi baru akun ${p.email}.`,
      'Setelah kata sandi baru disimpan, Anda langsung masuk di perangkat ini dan sesi di perangkat lain berakhir.',
    ],
    button: {
      label: 'Buat kata sandi baru',
      url: link.url,
      note: `Tautan ini hanya bisa dipakai sekali dan berlaku ${link.validMinutes} menit.`,
    },
    footer: [NOT_YOU],
  });
}

export function emailChangeMailSubject(): string {
  return 'Konfirmasi email baru akun Anda';
}

/** To the new address: the link that makes it the account's address. */
export function renderEmailChangeMail(
  p: EmailChangeMailParams,
  link: { url: string; validMinutes: number },
): RenderedMail {
  return renderPlainMail({
    subject: emailChangeMailSubject(),
    heading: 'Konfirmasi email baru',
    name: p.name,
    paragraphs: [
      `Akun ${p.oldEmail} meminta agar emailnya diganti menjadi ${p.newEmail}.`,
      'Buka tautan di bawah untuk mengonfirmasi. Setelah itu Anda masuk dengan email baru, dan kunci lisensi serta pembelian Anda ikut pindah.',
    ],
    button: {
      label: 'Konfirmasi email baru',
      url: link.url,
      note: `Tautan ini hanya bisa dipakai sekali dan berlaku ${link.validMinutes} menit.`,
    },
    footer: ['Jika Anda tidak memintanya, abaikan email ini; email akun tidak berubah.'],
  });
}

export function emailChangedMailSubject(p: EmailChangedMailParams): string {
  return p.stage === 'requested' ? 'Permintaan ganti email akun Anda' : 'Email akun Anda sudah diganti';
}

/** To the old address (and, for a console change, the new one): what happened to the account's email. */
export function renderEmailChangedMail(p: EmailChangedMailParams): RenderedMail {
  const paragraphs =
    p.stage === 'requested'
      ? [
          `Ada permintaan untuk mengganti email akun ${p.oldEmail} menjadi ${p.newEmail}. Email baru berlaku setelah dikonfirmasi lewat tautan yang kami kirim ke alamat baru itu.`,
          'Jika bukan Anda yang meminta, segera ganti kata sandi akun Anda.',
        ]
      : [
          `Email akun Anda diganti dari ${p.oldEmail} menjadi ${p.newEmail}${p.byAdmin ? ' oleh admin' : ''}.`,
          `Mulai sekarang masuk dengan ${p.newEmail}. Sesi di semua perangkat sudah diakhiri.`,
          'Jika Anda tidak mengenali perubahan ini, hubungi penjual.',
        ];
  return renderPlainMail({
    subject: emailChangedMailSubject(p),
    heading: emailChangedMailSubject(p),
    name: p.name,
    paragraphs,
  });
}

export function membershipReminderMailSubject(p: MembershipReminderMailParams): string {
  return p.daysLeft <= 1 ? 'Masa aktif member Anda berakhir besok' : 'Masa aktif member Anda segera berakhir';
}

export function renderMembershipReminderMail(p: MembershipReminderMailParams, timeZone: string): RenderedMail {
  const ends = formatDate(p.endsAt, timeZone);
  return renderPlainMail({
    subject: membershipReminderMailSubject(p),
    heading: 'Masa aktif member segera berakhir',
    name: p.name,
    paragraphs: [
      `Masa aktif member ${p.productTitle} untuk akun ${p.email} berakhir pada ${ends}.`,
      p.renewUrl
        ? 'Perpanjang sebelum tanggal itu: masa aktif baru ditambahkan ke akhir masa aktif sekarang, tidak ada hari yang hilang.'
        : 'Untuk memperpanjang, beli lagi produk member yang sama dengan email ini; masa aktif baru ditambahkan ke akhir masa aktif sekarang.',
    ],
    ...(p.renewUrl
      ? { button: { label: 'Perpanjang sekarang', url: p.renewUrl, note: 'Pakai email yang sama saat membayar.' } }
      : {}),
  });
}

export function refundMailSubject(p: RefundMailParams): string {
  return `Pesanan #${p.orderNo} dibatalkan`;
}

export function renderRefundMail(p: RefundMailParams): RenderedMail {
  const revoked = [
    ...(p.licenseKeys.length > 0 ? [`Kunci lisensi yang tidak berlaku lagi: ${p.licenseKeys.join(', ')}.`] : []),
    ...(p.membership === 'lifetime' ? ['Keanggotaan dari pesanan ini dicabut.'] : []),
    ...(typeof p.membership === 'number' ? [`Masa aktif member dari pesanan ini (${p.membership} hari) dicabut.`] : []),
  ];
  return renderPlainMail({
    subject: refundMailSubject(p),
    heading: 'Pesanan dibatalkan',
    name: p.name,
    paragraphs: [
      `Pesanan ${p.orderNo} dengan email ${p.email} sudah dibatalkan (refund) oleh penjual.`,
      `Alasan: ${p.reason}`,
      ...revoked,
      'Jika ada pertanyaan, hubungi penjual.',
    ],
  });
}
