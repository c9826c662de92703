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

/** A mail of a few paragraphs and at most one button: the account and membership notices. */
export interface PlainMail {
  subject: string;
  heading: string;
  name: string;
  paragraphs: string[];
  button?: { label: string; url: string; note: string };
  /** Small print after the button. */
  footer?: string[];
}

/** Renders a PlainMail as text and HTML, saying the same things in the same order. */
export function renderPlainMail(m: PlainMail): RenderedMail {
  const greeting = m.name ? `Halo ${m.name},` : 'Halo,';
  const text = [
    greeting,
    '',
    ...m.paragraphs.flatMap((p) => [p, '']),
    ...(m.button ? [`${m.button.label}: ${m.button.url}`, `(${m.button.note})`, ''] : []),
    ...(m.footer ?? []),
  ]
    .join('\n')
    .trimEnd();
  const body = html`<h1 style="font-size:20px;margin:0 0 16px;">${m.heading}</h1>
<p>${greeting}</p>
${m.paragraphs.map((p) => html`<p>${p}</p>\n`)}
${
  m.button
    ? html`<p style="margin:24px 0;"><a href="${m.button.url}" style="background:#1f6feb;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block;">${m.button.label}</a></p>
<p style="font-size:13px;color:#52606d;">${m.button.note} Jika tombol tidak berfungsi, salin alamat ini ke browser:<br>${m.button.url}</p>`
    : ''
}
${(m.footer ?? []).map((line) => html`<p style="font-size:13px;color:#52606d;">${line}</p>\n`)}`;
  return { text, html: mailLayout(m.subject, body) };
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
