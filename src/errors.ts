/**
 * One table of error codes for the whole HTTP surface: stable UPPER_SNAKE codes, their status
 * and the short message clients see. Services return expected failures as values; routes turn
 * them into an AppError, and the one error handler renders {error:{code,message,requestId}}.
 */
export const errorTable = {
  BAD_REQUEST: { status: 400, message: 'Permintaan tidak valid.' },
  INVALID_JSON: { status: 400, message: 'Body bukan JSON yang valid.' },
  INVALID_PAYLOAD: { status: 400, message: 'Isi permintaan tidak sesuai format.' },
  MISSING_SIGNATURE: { status: 401, message: 'Header X-Lynk-Signature tidak ada.' },
  INVALID_SIGNATURE: { status: 401, message: 'Signature tidak valid.' },
  FORBIDDEN: { status: 403, message: 'Akses ditolak.' },
  CSRF_REJECTED: { status: 403, message: 'Permintaan ditolak (perlindungan CSRF).' },
  NOT_FOUND: { status: 404, message: 'Tidak ditemukan.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type tidak didukung.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Body terlalu besar (maksimal 1 MB).' },
  RATE_LIMITED: { status: 429, message: 'Terlalu banyak permintaan. Coba lagi nanti.' },
  INTERNAL: { status: 500, message: 'Terjadi kesalahan di server.' },
  STORAGE_UNAVAILABLE: { status: 503, message: 'Penyimpanan tidak tersedia. Coba kirim ulang nanti.' },
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
