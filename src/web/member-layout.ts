import type { SafeHtml } from './html.js';
import { html } from './html.js';
import type { PageOptions } from './layout.js';
import { page } from './layout.js';

/** Protected pages: body class and script start the realtime monitor (one stream per browser). */
const PROTECTED = {
  scripts: ['/assets/member.js'],
  bodyClass: 'protected-page',
  bodyData: { 'realtime-url': '/api/realtime/stream' },
  wide: true,
} as const;

/** A member page: navigation, the session-ended notice, this page's content (and its data-* settings). */
export function memberPage(title: string, csrf: string, body: SafeHtml, bodyData: Record<string, string> = {}): string {
  const options: PageOptions = { ...PROTECTED, bodyData: { ...PROTECTED.bodyData, ...bodyData } };
  return page(
    title,
    html`<nav class="member">
<a href="/member">Beranda</a>
<a href="/member/produk">Produk saya</a>
<a href="/member/lisensi">Lisensi saya</a>
<a href="/member/perangkat">Perangkat saya</a>
<a href="/member/transaksi">Transaksi</a>
<a href="/akun">Akun</a>
<form method="post" action="/auth/logout"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" id="logout">Keluar</button></form>
</nav>
<div id="realtime-notice" class="session-ended" role="alert" hidden></div>
${body}`,
    options,
  );
}
