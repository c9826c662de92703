/**
 * What a failed send (an email, a WhatsApp message, an event to the seller's endpoint) means, in
 * Indonesian for the console. The stored text stays as the library or the server said it (the log and
 * support need it exactly); the console shows this sentence and keeps the original under "Rincian
 * teknis". Checked in order: the first match wins.
 */
const MEANINGS: readonly (readonly [RegExp, string])[] = [
  [/ECONNREFUSED/, 'Server tujuan menolak sambungan: server tidak berjalan atau port-nya salah.'],
  [/ENOTFOUND|EAI_AGAIN|getaddrinfo/, 'Nama server tujuan tidak ditemukan: periksa alamatnya.'],
  [
    /ETIMEDOUT|ESOCKETTIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|timeout|timed out|Greeting never received/i,
    'Server tujuan tidak menjawab tepat waktu.',
  ],
  [
    /ECONNRESET|EPIPE|socket hang up|UND_ERR_SOCKET|disconnected|closed unexpectedly/i,
    'Sambungan diputus oleh server tujuan.',
  ],
  [/EHOSTUNREACH|ENETUNREACH/, 'Server tujuan tidak bisa dijangkau dari jaringan ini.'],
  [
    /CERT|certificate|self[- ]signed|TLS|SSL|wrong version number/i,
    'Sambungan aman (TLS) gagal: sertifikat server tujuan tidak sah atau pengaturan TLS tidak cocok.',
  ],
  [
    /EAUTH|Invalid login|authentication|\b535\b|\b534\b|\b530\b/i,
    'Server email menolak nama pengguna atau kata sandinya.',
  ],
  [
    /EENVELOPE|recipients? (?:address )?(?:were )?rejected|\b55[0-4]\b|mailbox unavailable|user unknown/i,
    'Server email menolak alamat penerima.',
  ],
  [/\b45[0-2]\b|\b421\b|try again later|rate limit/i, 'Server email sedang menolak sementara; dicoba lagi nanti.'],
  [
    /bad port|Invalid URL|ERR_INVALID_URL/i,
    'Alamat tujuan tidak valid (skema, nama server, atau port yang tidak diizinkan).',
  ],
];

const HTTP_STATUS = /^HTTP (\d{3})\b/;

export function deliveryErrorText(raw: string): string {
  const status = HTTP_STATUS.exec(raw);
  if (status) {
    const code = Number(status[1]);
    if (code === 401 || code === 403) return `Penerima menolak kiriman (HTTP ${code}): periksa rahasia atau izinnya.`;
    if (code === 404) return 'Alamat penerima tidak ada (HTTP 404): periksa URL-nya.';
    if (code === 429) return 'Penerima meminta kiriman diperlambat (HTTP 429); dicoba lagi nanti.';
    if (code >= 500) return `Server penerima sedang bermasalah (HTTP ${code}); dicoba lagi nanti.`;
    return `Penerima menolak kiriman (HTTP ${code}).`;
  }
  for (const [pattern, meaning] of MEANINGS) if (pattern.test(raw)) return meaning;
  // Our own reasons are Indonesian already ("batas waktu habis", "WhatsApp belum diatur …").
  return INDONESIAN.test(raw) ? raw : 'Pengiriman gagal; lihat rincian teknis.';
}

/** Words only our own Indonesian reasons use: they are shown as they are. */
const INDONESIAN = /\b(?:habis|belum|tidak|menolak|rahasia|diatur|gagal|batas)\b/i;
