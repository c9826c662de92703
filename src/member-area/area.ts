import type { FastifyPluginAsync, FastifyReply, preHandlerAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import { signedIn } from '../auth/index.js';
import type { Database } from '../db/index.js';
import { AppError } from '../errors.js';
import type { LicenseDeps } from '../licenses/index.js';
import { licenseState, listLicenses, memberActivations, releaseMemberActivation } from '../licenses/index.js';
import { formatDate, formatDateTime } from '../shared/format.js';
import { copyableKey } from '../web/copy-key.js';
import type { SafeHtml } from '../web/html.js';
import { html } from '../web/html.js';
import { memberPage } from '../web/member-layout.js';
import { sendPage } from '../web/respond.js';
import type { ProductContent } from './product-page.js';
import { productPageRoutes } from './product-page.js';

export interface MemberAreaOptions {
  db: Kysely<Database>;
  requireMember: preHandlerAsyncHookHandler;
  timeZone: string;
  licenses: LicenseDeps;
  /** A product's own content on its page (the content feature renders it). */
  productContent?: ProductContent | undefined;
}

const STATE_TEXT = { active: 'Aktif', revoked: 'Dicabut', expired: 'Kedaluwarsa' } as const;

/**
 * The member area under /member. Every request passes the member guard (session checked in the
 * database); the pages never hold a lock the realtime stream could block. Products' content and the
 * members' content page (/member/video) live in src/content/.
 */
export const memberAreaRoutes: FastifyPluginAsync<MemberAreaOptions> = async (app, options) => {
  const { db, requireMember, timeZone, licenses: licenseDeps } = options;
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
<ul><li><a href="/member/produk">Produk saya</a>: produk yang Anda beli dan materi member.</li><li><a href="/member/lisensi">Lisensi saya</a>: kunci lisensi dan perangkatnya.</li></ul>`,
    );
  });

  app.get('/member/lisensi', async (request, reply) => {
    const member = signedIn(request);
    const now = licenseDeps.runtime.now();
    const licenses = await listLicenses(db, { email: member.email, limit: 500 });
    const activations = await memberActivations(
      db,
      licenses.map((l) => l.id),
    );
    const csrf = reply.generateCsrf();
    const rows = licenses.map((l) => {
      const devices = activations.get(l.id) ?? [];
      const list = devices.map(
        (a) =>
          html`<li data-activation-id="${a.id}">${a.name} <span class="muted">sejak ${formatDateTime(a.createdAt, timeZone)}</span>
<form method="post" action="/member/lisensi/aktivasi/${a.id}/lepas"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="secondary release">Lepaskan</button></form></li>`,
      );
      const state = licenseState(l, now);
      return html`<tr data-license-id="${l.id}"><td>${copyableKey(l.license_key)}</td><td>${l.product_title}${state === 'active' ? html`<br><a href="/member/produk/${l.id}">Buka produk</a>` : ''}</td><td>${STATE_TEXT[state]}</td><td>${devices.length} / ${l.max_devices}${devices.length > 0 ? html`<ul class="devices">${list}</ul>` : ''}</td><td>${l.expires_at ? formatDate(l.expires_at, timeZone) : 'Selamanya'}</td><td>${formatDate(l.created_at, timeZone)}</td></tr>`;
    });
    const released = (request.query as Record<string, unknown>).dilepas !== undefined;
    return sendPage(
      reply,
      200,
      memberPage(
        'Lisensi saya',
        csrf,
        html`<h1>Lisensi saya</h1>
${released ? html`<p class="ok" id="release-notice">Perangkat dilepas dari lisensi.</p>` : ''}
${
  licenses.length === 0
    ? html`<p class="muted">Belum ada lisensi untuk ${member.email}.</p>`
    : html`<table id="licenses"><thead><tr><th>Kunci</th><th>Produk</th><th>Status</th><th>Perangkat</th><th>Berlaku sampai</th><th>Dibeli</th></tr></thead><tbody>${rows}</tbody></table>`
}`,
      ),
    );
  });

  app.post<{ Params: { id: string } }>(
    '/member/lisensi/aktivasi/:id/lepas',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const member = signedIn(request);
      const id = Number(request.params.id);
      const result =
        Number.isSafeInteger(id) && id > 0 ? await releaseMemberActivation(licenseDeps, member.email, id) : null;
      // Another member's activation, or one already released: the same "not found".
      if (!result?.ok) throw new AppError('NOT_FOUND');
      return reply.redirect('/member/lisensi?dilepas=1', 303);
    },
  );

  await productPageRoutes(app, { licenses: licenseDeps, signedIn, content: options.productContent });
};
