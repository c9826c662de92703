import { BRAND_MARKERS } from '../../web/brand.js';
import { html, SafeHtml } from '../../web/html.js';

// Filled by the mail worker with the store's name and footer (src/web/brand.ts).
const MAIL_TOP = new SafeHtml(BRAND_MARKERS.mailTop);
const MAIL_FOOTER = new SafeHtml(BRAND_MARKERS.mailFooter);

export interface RenderedMail {
  text: string;
  html: string;
}

/** A plain, table-free email shell that mail clients render consistently; every value is escaped. */
export function mailLayout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="id">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body style="margin:0;padding:12px;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933;">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px;overflow-wrap:anywhere;word-break:break-word;">
${MAIL_TOP}${body}
<p style="margin-top:32px;font-size:12px;color:#7b8794;">Email ini dikirim otomatis.</p>
${MAIL_FOOTER}
</div>
</body>
</html>`.toString();
}

// Built once: constructing an Intl.DateTimeFormat costs far more than formatting with it.
const PAID_AT_FORMAT = new Intl.DateTimeFormat('id-ID', {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: 'Asia/Jakarta',
});

/**
 * Formats Lynk's createdAt ("2026-05-23T20:31:28") for Indonesian readers. Lynk writes it without a
 * zone, in Western Indonesian Time, so a zoneless value is read as +07:00.
 */
export function formatPaidAt(paidAt: string): string {
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(paidAt) ? paidAt : `${paidAt}+07:00`;
  const date = new Date(zoned);
  if (paidAt === '' || Number.isNaN(date.getTime())) return paidAt || '-';
  return PAID_AT_FORMAT.format(date);
}
