/**
 * What an open product page shows when its access ends (pure data: the browser bundle imports it
 * too, so server and page use one wording).
 */
export const ACCESS_ENDED_MESSAGES = {
  takeover: 'Lisensi ini sekarang digunakan di perangkat lain. Akses di perangkat ini ditutup.',
  deactivated: 'Perangkat ini dilepas dari lisensi. Akses ke produk ditutup.',
  reset: 'Aktivasi lisensi ini direset oleh admin. Akses ke produk ditutup.',
  license_revoked: 'Lisensi ini dicabut. Akses ke produk ditutup.',
  expired: 'Masa berlaku lisensi ini sudah habis. Akses ke produk ditutup.',
} as const;

export type AccessEndedReason = keyof typeof ACCESS_ENDED_MESSAGES;

export function accessEndedMessage(reason: string): string {
  // Inherited names never resolve to a string: no prototype lookup leaks in.
  const text = (ACCESS_ENDED_MESSAGES as Readonly<Record<string, unknown>>)[reason];
  return typeof text === 'string' ? text : 'Akses ke produk ini ditutup.';
}
