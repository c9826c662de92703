/**
 * Where a browser goes back to after signing in: the page it asked for, if that is one of ours.
 * Only a path of this site under the areas that need a login passes; anything else (another host,
 * "//host", "/\host", an encoded scheme, control characters) is dropped, so the login page can
 * never be made to send someone elsewhere (OWASP: unvalidated redirects).
 */
const AREAS = ['/member', '/admin', '/akun'];
const BASE = 'http://gerbang.invalid';

const isControl = (char: string) => {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f;
};

export function safeReturnPath(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 500) return null;
  // Browsers read "\" as "/" and drop tabs and newlines: "/\evil" or "/\t/evil" would leave the site.
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\') || [...raw].some(isControl)) return null;
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  const path = url.pathname;
  if (!AREAS.some((area) => path === area || path.startsWith(`${area}/`))) return null;
  return `${path}${url.search}`;
}

/** `/login` with the page to come back to (and the reason the login page shows, if any). */
export function loginPath(reason: string | null, returnTo: string | null): string {
  const query = new URLSearchParams();
  if (reason) query.set('alasan', reason);
  if (returnTo) query.set('lanjut', returnTo);
  const text = query.toString();
  return text ? `/login?${text}` : '/login';
}
