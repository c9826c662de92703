/**
 * One table of error codes for the whole HTTP surface: stable UPPER_SNAKE codes, their status
 * and the short message clients see. Services return expected failures as values (Result, below);
 * routes answer their codes with sendError, which renders {error:{code,message,requestId}}.
 */
export const errorTable = {
  BAD_REQUEST: { status: 400, message: 'Permintaan tidak valid.' },
  INVALID_JSON: { status: 400, message: 'Body bukan JSON yang valid.' },
  INVALID_PAYLOAD: { status: 400, message: 'Isi permintaan tidak sesuai format.' },
  MISSING_SIGNATURE: { status: 401, message: 'Header X-Lynk-Signature tidak ada.' },
  INVALID_SIGNATURE: { status: 401, message: 'Signature tidak valid.' },
  // A Lynk signature covers only grandTotal, refId and message_id: once accepted, it serves that body only.
  SIGNATURE_REUSED: { status: 409, message: 'Tanda tangan ini sudah dipakai untuk kiriman lain.' },
  UNAUTHENTICATED: { status: 401, message: 'Sesi tidak valid. Silakan masuk.' },
  INVALID_CREDENTIALS: { status: 401, message: 'Email atau kata sandi salah.' },
  FORBIDDEN: { status: 403, message: 'Akses ditolak.' },
  ACCOUNT_DISABLED: { status: 403, message: 'Akun ini dinonaktifkan. Hubungi admin.' },
  // Given only to someone who typed the right password (a stranger sees INVALID_CREDENTIALS).
  EMAIL_NOT_PROVEN: {
    status: 403,
    message:
      'Untuk masuk pertama kali, buka tautan masuk yang kami kirim ke email Anda (atau minta tautan baru lewat "Kirim tautan masuk ke email saya"). Setelah itu kata sandi ini bisa dipakai.',
  },
  PASSWORD_CHANGE_REQUIRED: { status: 403, message: 'Buat kata sandi baru dulu di /akun/sandi-baru.' },
  CSRF_REJECTED: { status: 403, message: 'Permintaan ditolak (perlindungan CSRF).' },
  NOT_FOUND: { status: 404, message: 'Tidak ditemukan.' },
  // A membership item asked for after the membership ended (or by a buyer of licenses only).
  MEMBERSHIP_ENDED: {
    status: 403,
    message: 'Masa aktif member Anda sudah berakhir. Perpanjang untuk membuka materi ini.',
  },
  SESSION_CONFLICT: {
    status: 409,
    message: 'Akun ini sedang aktif di perangkat lain. Beberapa sesi aktif tidak diizinkan karena alasan keamanan.',
  },
  // Past TAKEOVER_LIMIT: the answer carries Retry-After and says when and how to reach the seller.
  TAKEOVER_LIMITED: {
    status: 429,
    message: 'Batas "Tetap gunakan di sini" untuk akun ini sudah tercapai. Coba lagi nanti atau hubungi penjual.',
  },
  // Another account already has the address (an email change, made by the member or the console).
  EMAIL_TAKEN: { status: 409, message: 'Email ini sudah dipakai akun lain.' },
  // A refund is recorded once; what the order granted is already revoked.
  ALREADY_REFUNDED: { status: 409, message: 'Pesanan ini sudah dibatalkan (refund).' },
  TAKEOVER_EXPIRED: { status: 410, message: 'Konfirmasi sudah tidak berlaku. Silakan masuk lagi.' },
  LINK_INVALID: { status: 410, message: 'Tautan tidak berlaku.' },
  // The previous system's login endpoint, still called by cached copies of its login page.
  LEGACY_LOGIN_GONE: { status: 410, message: 'Halaman masuk ini sudah diganti. Silakan masuk di /login.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type tidak didukung.' },
  // 1 MiB in general, 64 KiB on the webhooks (README).
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Body terlalu besar.' },
  // Refused by the HTTP parser itself, before any route (src/web/client-error.ts).
  HEADERS_TOO_LARGE: { status: 431, message: 'Header permintaan terlalu besar.' },
  REQUEST_TIMEOUT: { status: 408, message: 'Permintaan tidak selesai dikirim tepat waktu.' },
  // The public license API (/api/licenses/*). An unknown key and a key not activated on this device
  // answer the same status and shape, so the answer's form tells a guesser nothing.
  LICENSE_NOT_FOUND: { status: 404, message: 'Kunci lisensi tidak ditemukan.' },
  NOT_ACTIVATED: { status: 404, message: 'Lisensi ini belum diaktifkan di perangkat ini.' },
  LICENSE_REVOKED: { status: 403, message: 'Lisensi ini sudah dicabut.' },
  LICENSE_EXPIRED: { status: 403, message: 'Masa berlaku lisensi ini sudah habis.' },
  ACTIVATION_LIMIT: {
    status: 409,
    message: 'Batas perangkat lisensi ini sudah tercapai. Lepaskan salah satu perangkat terlebih dahulu.',
  },
  // Past LICENSE_MAX_TRANSFERS (or the product's maxTransfers): the answer says when one is possible again.
  TRANSFER_LIMIT: {
    status: 429,
    message:
      'Batas pelepasan perangkat lisensi ini (per 30 hari) sudah tercapai. Minta reset di halaman Lisensi saya atau hubungi penjual.',
  },
  // Product content (src/content/): a download URL is signed for one session and five minutes.
  DOWNLOAD_LINK_INVALID: {
    status: 403,
    message: 'Tautan unduhan ini sudah tidak berlaku. Buka lagi halaman produknya untuk tautan baru.',
  },
  PRODUCT_NOT_OPEN: { status: 403, message: 'Produk ini belum dibuka di perangkat ini. Buka dulu halaman produknya.' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'Rentang byte yang diminta di luar ukuran berkas.' },
  RATE_LIMITED: { status: 429, message: 'Terlalu banyak permintaan. Coba lagi nanti.' },
  CORS_ORIGIN_REFUSED: { status: 403, message: 'Halaman dari origin ini tidak diizinkan memanggil API lisensi.' },
  INTERNAL: { status: 500, message: 'Terjadi kesalahan di server.' },
  ASSET_MISSING: { status: 503, message: 'Berkas browser belum dibuat. Jalankan npm run build.' },
  STORAGE_UNAVAILABLE: { status: 503, message: 'Penyimpanan tidak tersedia. Coba kirim ulang nanti.' },
  // This instance is stopping (SIGTERM); the answer carries Retry-After (src/drain.ts).
  SHUTTING_DOWN: { status: 503, message: 'Server sedang dimulai ulang. Coba kirim ulang sebentar lagi.' },
  // This instance holds as many event streams as its descriptors allow (REALTIME_FD_HEADROOM).
  STREAMS_FULL: { status: 503, message: 'Server sedang penuh. Halaman akan tersambung lagi otomatis.' },
  // Too many logins waiting for a password hash on this instance (src/members/hash-slots.ts).
  SERVER_BUSY: { status: 503, message: 'Server sedang sibuk melayani banyak login. Coba masuk lagi sebentar lagi.' },
  PPOB_MEMBER_NOT_FOUND: { status: 422, message: 'Tidak ada member dengan email itu.' },
  IDEMPOTENCY_CONFLICT: { status: 409, message: 'Idempotency key ini sudah dipakai untuk pesanan lain.' },
  PPOB_ORDER_REJECTED: { status: 422, message: 'Hesda menolak pesanan.' },
  PPOB_OUTCOME_UNKNOWN: {
    status: 502,
    message: 'Hasil pesanan di Hesda tidak diketahui; ditandai untuk rekonsiliasi. Jangan kirim ulang.',
  },
  PPOB_NOT_CONFIGURED: { status: 503, message: 'PPOB belum diatur: setel HESDA_API_URL dan HESDA_API_KEY.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorTable;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message?: string) {
    super(message ?? errorTable[code].message);
    this.name = 'AppError';
    this.code = code;
    this.status = errorTable[code].status;
  }
}

/** The JSON body of every error answer: `{error:{code,message,requestId}}` (plus details where useful). */
export function errorBody(code: ErrorCode, requestId: string, message: string = errorTable[code].message) {
  return { error: { code, message, requestId } };
}

/** Nothing beside `ok` (a success or failure that carries no data). */
export type Empty = Record<never, never>;

/** A service's success: `ok: true` beside what it produced. */
export type Ok<T extends object = Empty> = { ok: true } & T;

/** An expected failure: `ok: false`, a code, and whatever the caller needs to explain it. */
export type Failure<C extends string = ErrorCode, D extends object = Empty> = { ok: false; code: C } & D;

/**
 * The one shape a service answers with when it can fail in an expected way (an unexpected one
 * throws). Callers ask one question, `ok`, everywhere. Where the failure becomes an HTTP answer its
 * code is an ErrorCode, so the route hands it to sendError unchanged and the status comes from the
 * table; services not behind HTTP (CLI, pages) may use their own codes.
 */
export type Result<T extends object = Empty, C extends string = ErrorCode, D extends object = Empty> =
  | Ok<T>
  | Failure<C, D>;
