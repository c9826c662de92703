import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import type { LiveSession } from '../auth/index.js';
import type { Database } from '../db/index.js';
import { listLicenses } from '../licenses/index.js';
import { formatDate } from '../web/format.js';
import type { SafeHtml } from '../web/html.js';
import { html } from '../web/html.js';
import { page } from '../web/layout.js';
import { contentSecurityPolicy, sendPage } from '../web/respond.js';

export interface MemberAreaOptions {
  db: Kysely<Database>;
  requireMember: preHandlerAsyncHookHandler;
  videoUrl: string | undefined;
  timeZone: string;
}

/** Protected pages: body class and script start the realtime monitor (one stream per browser). */
const PROTECTED = {
  scripts: ['/assets/member.js'],
  bodyClass: 'protected-page',
  bodyData: { 'realtime-url': '/api/realtime/stream' },
  wide: true,
} as const;

export function memberPage(title: string, csrf: string, body: SafeHtml): string {
  return page(
    title,
    html`<nav class="member">
<a href="/member">Beranda</a>
<a href="/member/lisensi">Lisensi saya</a>
<a href="/member/transaksi">Transaksi</a>
<a href="/member/video">Video</a>
<form method="post" action="/auth/logout"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" id="logout">Keluar</button></form>
</nav>
<div id="realtime-notice" class="session-ended" role="alert" hidden></div>
${body}`,
    PROTECTED,
  );
}

/**
 * The member area under /member. Every request passes the member guard (session checked in the
 * database); the pages never hold a lock the realtime stream could block, so the video page loads
 * its player at once (the old VIDEO_READY work-around is gone).
 */
export const memberAreaRoutes: FastifyPluginAsync<MemberAreaOptions> = async (app, options) => {
  const { db, requireMember, videoUrl, timeZone } = options;
  app.addHook('preHandler', requireMember);
  /** A member page: navigation, the session-ended notice, this page's content. */
  const sendMemberPage = (reply: FastifyReply, title: string, body: SafeHtml) =>
    sendPage(reply, 200, memberPage(title, reply.generateCsrf(), body));

  app.get('/member', async (request, reply) => {
    const member = signedIn(request);
    return sendMemberPage(
      reply,
      'Beranda member',
      html`<h1>Halo, ${member.name || member.email}</h1>
<p>Anda masuk sebagai <strong>${member.email}</strong>.</p>
<p>Akun ini hanya boleh aktif di satu perangkat. Jika Anda masuk di perangkat lain, sesi di sini berakhir otomatis.</p>
<ul><li><a href="/member/lisensi">Lisensi saya</a>: kunci lisensi produk yang Anda beli.</li><li><a href="/member/video">Video</a>: materi member.</li></ul>`,
    );
  });

  app.get('/member/lisensi', async (request, reply) => {
    const member = signedIn(request);
    const licenses = await listLicenses(db, { email: member.email, limit: 500 });
    const rows = licenses.map(
      (l) =>
        html`<tr><td><code>${l.license_key}</code></td><td>${l.product_title}</td><td>${l.status === 'active' ? 'Aktif' : 'Dicabut'}</td><td>${l.expires_at ? formatDate(l.expires_at, timeZone) : 'Selamanya'}</td><td>${formatDate(l.created_at, timeZone)}</td></tr>`,
    );
    return sendMemberPage(
      reply,
      'Lisensi saya',
      html`<h1>Lisensi saya</h1>
${
  licenses.length === 0
    ? html`<p class="muted">Belum ada lisensi untuk ${member.email}.</p>`
    : html`<table id="licenses"><thead><tr><th>Kunci</th><th>Produk</th><th>Status</th><th>Berlaku sampai</th><th>Dibeli</th></tr></thead><tbody>${rows}</tbody></table>`
}`,
    );
  });

  app.get('/member/video', async (_request, reply) => {
    // The player's origin may be framed on this page, and only on this page.
    if (videoUrl) reply.header('content-security-policy', contentSecurityPolicy(new URL(videoUrl).origin));
    return sendMemberPage(
      reply,
      'Video',
      html`<h1>Video member</h1>
${
  videoUrl
    ? html`<div class="video"><iframe id="videoFrame" src="${videoUrl}" title="Video member" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen referrerpolicy="strict-origin-when-cross-origin"></iframe></div>`
    : html`<p class="muted">Belum ada video. Admin dapat mengaturnya dengan MEMBER_VIDEO_URL.</p>`
}`,
    );
  });
};

/** The member the guard admitted (every route here runs behind it). */
export function signedIn(request: FastifyRequest): LiveSession {
  if (!request.member) throw new Error('member guard did not run');
  return request.member;
}
