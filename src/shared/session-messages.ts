/** What a page shows when its session ends (texts of the old system where it had one). */
export const SESSION_ENDED_MESSAGES = {
  takeover: 'Sesi Anda berakhir karena akun ini digunakan di perangkat lain',
  logout: 'Anda telah keluar dari akun ini.',
  admin: 'Sesi Anda diakhiri oleh admin.',
  password_changed: 'Kata sandi akun ini diganti. Silakan masuk kembali.',
  expired: 'Sesi Anda telah berakhir. Silakan masuk kembali.',
  ended_by_member: 'Sesi di perangkat ini diakhiri dari perangkat Anda yang lain (menu Perangkat saya).',
  email_changed: 'Email akun ini diganti. Silakan masuk kembali dengan email baru.',
} as const;

export function sessionEndedMessage(reason: string | null): string {
  // Inherited names ("constructor", "__proto__") are never strings: no prototype lookup leaks in.
  // (Not Object.hasOwn: this module is bundled for browsers older than it.)
  const text = (SESSION_ENDED_MESSAGES as Readonly<Record<string, unknown>>)[reason ?? ''];
  return typeof text === 'string' ? text : 'Sesi Anda telah berakhir.';
}
