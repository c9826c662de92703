import type { MailKind } from '../db/index.js';

/**
 * WhatsApp delivery: the outbox's second channel. A message kind opts in by being listed here (one
 * line); its WhatsApp message is the plain-text part of its mail, queued beside the mail with the
 * same reason (`wa:` + the mail's dedupe key), claimed, retried and never sent twice like mail.
 */
export const WHATSAPP_KINDS: ReadonlySet<MailKind> = new Set<MailKind>([
  'license',
  'login_link',
  'membership_reminder',
]);

/** What sends one WhatsApp message: Fonnte now, Wablas next (same shape). */
export interface WhatsAppTransport {
  readonly name: 'fonnte';
  send(message: { to: string; text: string }): Promise<{ id: string | null }>;
}

/**
 * An Indonesian mobile number as gateways take it: digits only, country code 62 ("0812…",
 * "+62 812-…", "62812…" and "812…" all become "62812…"); null when it is not one.
 */
export function normalizeIndonesianPhone(raw: string): string | null {
  const digits = raw.replace(/[\s().-]/g, '').replace(/^\+/, '');
  if (!/^\d+$/.test(digits)) return null;
  const national = digits.startsWith('62') ? digits.slice(2) : digits.startsWith('0') ? digits.slice(1) : digits;
  // Mobile numbers: 8xx, 9 to 12 digits after the country code.
  return /^8\d{8,11}$/.test(national) ? `62${national}` : null;
}

/** Fonnte's API (`POST {url}/send`, `Authorization: <token>`, form fields `target` and `message`). */
export function fonnteTransport(settings: { url: string; token: string; timeoutMs?: number }): WhatsAppTransport {
  return {
    name: 'fonnte',
    async send({ to, text }) {
      const response = await fetch(`${settings.url.replace(/\/$/, '')}/send`, {
        method: 'POST',
        headers: { authorization: settings.token, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ target: to, message: text, countryCode: '62' }).toString(),
        signal: AbortSignal.timeout(settings.timeoutMs ?? 15_000),
      });
      const body = (await response.json().catch(() => null)) as {
        status?: unknown;
        reason?: unknown;
        id?: unknown;
      } | null;
      // Fonnte answers 200 with {"status": false, "reason": …} when it refuses a message.
      if (!response.ok || body?.status !== true)
        throw new Error(`Fonnte menolak pesan: HTTP ${response.status} ${String(body?.reason ?? '').slice(0, 200)}`);
      const id = Array.isArray(body.id) ? body.id[0] : body.id;
      return { id: id === undefined || id === null ? null : String(id) };
    },
  };
}
