/**
 * Did the send fail because the SMTP server could not be reached, rather than because the server
 * refused this mail? Only the second says something about the mail: an outage of any length must
 * not use up a mail's MAIL_MAX_ATTEMPTS (it would end `failed` after a long night), and while the
 * server is unreachable, trying the rest of a batch would only repeat the same connection failure.
 * Nodemailer's codes for a connection that never opened or broke (ECONNECTION, ETIMEDOUT, ESOCKET,
 * EDNS, ETLS, EPROXY), Node's socket codes, and 421 "service not available" (RFC 5321 §3.8).
 */
const UNREACHABLE_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROXY',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function smtpUnreachable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  return (typeof code === 'string' && UNREACHABLE_CODES.has(code)) || responseCode === 421;
}
