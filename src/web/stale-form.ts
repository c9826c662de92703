import type { FastifyRequest } from 'fastify';
import type { SafeHtml } from './html.js';
import { html } from './html.js';

/** Seconds the "form expired" page shows before it loads the form again. */
export const STALE_FORM_RELOAD_SECONDS = 3;

/**
 * A form whose CSRF token no longer verifies (opened before a restart with another COOKIE_SECRET,
 * or left open past its cookie) is not an attack to report but a page to reload: the answer names
 * the form's page, and the browser goes back there for a fresh token. The page is the Referer when
 * it is ours (the form the member was on), else the posted path itself (GET shows its form).
 */
export function staleFormTarget(request: FastifyRequest): string {
  return ownReferer(request) ?? safePath(request.url.split('?')[0] ?? '/');
}

/** The page the request came from, when it is one of ours (a path, never another site). */
export function ownReferer(request: FastifyRequest): string | null {
  const referer = request.headers.referer;
  if (typeof referer !== 'string') return null;
  try {
    const url = new URL(referer);
    // Read as a URL too, so ":80" / ":443" written or not compare alike.
    const ours = new URL(`${url.protocol}//${request.headers.host ?? ''}`).host;
    return url.host === ours ? safePath(`${url.pathname}${url.search}`) : null;
  } catch {
    return null;
  }
}

/** Only a path on this site (never `//host`, which a browser reads as another site). */
function safePath(path: string): string {
  return path.startsWith('/') && !path.startsWith('//') && !/[\r\n]/.test(path) ? path : '/';
}

export function staleFormPage(target: string): SafeHtml {
  return html`<h1>Formulir sudah kedaluwarsa</h1>
<p>Halaman ini dibuka sebelum server dimulai ulang atau terlalu lama dibiarkan. Formulir dimuat ulang dalam ${STALE_FORM_RELOAD_SECONDS} detik; isi dan kirim lagi.</p>
<p><a href="${target}" id="reload-form">Muat ulang formulir sekarang</a></p>`;
}
