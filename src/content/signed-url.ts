import { createHmac, timingSafeEqual } from 'node:crypto';

/** Whose copy a download is: a license's buyer, or a member (membership content). */
export type Holder = { kind: 'license'; id: number } | { kind: 'member'; id: number };

/** Short: long enough to start a download or resume it, too short to pass around. */
export const DOWNLOAD_URL_TTL_MS = 5 * 60_000; // 5 minutes

const TOKEN = /^([lm])(\d{1,10})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/**
 * The key download URLs are signed with, derived from COOKIE_SECRET (a server secret every instance
 * shares) for this one purpose, so a signature made here can never stand for a cookie or the reverse.
 */
export function downloadSigningKey(cookieSecret: string): Buffer {
  return createHmac('sha256', cookieSecret).update('gerbang content download url v1').digest();
}

function signature(key: Buffer, itemId: number, holder: Holder, sessionId: string, expiresSec: number): Buffer {
  return createHmac('sha256', key).update(`${itemId}|${holder.kind}:${holder.id}|${sessionId}|${expiresSec}`).digest();
}

/**
 * The `token` of a download URL: holder, expiry and an HMAC over (item, holder, session, expiry).
 * Bound to the session, so a URL copied to another browser (or kept after logging out) opens
 * nothing; the query parameter is named `token` so request logs blank it (src/logger.ts).
 */
export function signDownload(key: Buffer, itemId: number, holder: Holder, sessionId: string, now: number): string {
  const expiresSec = Math.ceil((now + DOWNLOAD_URL_TTL_MS) / 1000);
  const sig = signature(key, itemId, holder, sessionId, expiresSec).toString('base64url');
  return `${holder.kind === 'license' ? 'l' : 'm'}${holder.id}.${expiresSec}.${sig}`;
}

export type DownloadTokenCheck = { ok: true; holder: Holder } | { ok: false; reason: 'invalid' | 'expired' };

/** Checks a token against this item and the session presenting it (constant-time on the MAC). */
export function verifyDownload(
  key: Buffer,
  token: string,
  itemId: number,
  sessionId: string,
  now: number,
): DownloadTokenCheck {
  const match = TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'invalid' };
  const [, kind, id, expires, sig] = match;
  const holder: Holder = { kind: kind === 'l' ? 'license' : 'member', id: Number(id) };
  const expected = signature(key, itemId, holder, sessionId, Number(expires));
  const given = Buffer.from(sig ?? '', 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  // Checked after the MAC: an expiry the server never signed says nothing.
  if (Number(expires) * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, holder };
}
