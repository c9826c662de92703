import type { FastifyPluginAsync, FastifyReply, preHandlerAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import type { Allowance } from '../auth/index.js';
import { signedIn } from '../auth/index.js';
import type { Database, Order } from '../db/index.js';
import { AppError } from '../errors.js';
import type { LicenseDeps } from '../licenses/index.js';
import {
  licenseState,
  listLicenses,
  memberActivations,
  openRequest,
  releaseMemberActivation,
  requestTransferReset,
  transferAllowances,
  transferSettings,
} from '../licenses/index.js';
import type { MembershipState } from '../members/index.js';
import { memberMembership, renewUrlOf } from '../members/index.js';
import { ordersOfEmail, productLines } from '../orders/index.js';
import { formatDate, formatDateTime, rupiah } from '../shared/format.js';
import { copyableKey } from '../web/copy-key.js';
import type { SafeHtml } from '../web/html.js';
import { html } from '../web/html.js';
import { memberPage } from '../web/member-layout.js';
import { sendPage } from '../web/respond.js';
import { devicesPageRoutes } from './devices-page.js';
import type { ProductContent } from './product-page.js';
import { productPageRoutes } from './product-page.js';

export interface MemberAreaOptions {
  db: Kysely<Database>;
  requireMember: preHandlerAsyncHookHandler;
  timeZone: string;
  licenses: LicenseDeps;
  /** Wakes the mail worker after a reset request queued its confirmation mail. */
  onMailQueued?: (() => void) | undefined;
  /** A product's own content on its page (the content feature renders it). */
  productContent?: ProductContent | undefined;
}

const STATE_TEXT = { active: 'Aktif', revoked: 'Dicabut', expired: 'Kedaluwarsa' } as const;
const STATE_TONE = { active: 'ok', revoked: 'bad', expired: 'warn' } as const;

/** The member's membership on the home page: until when, or that it ended and where to renew. */
function membershipStatus(
  state: MembershipState,
  renew: { title: string; url: string | null },
  timeZone: string,
): SafeHtml {
  switch (state.kind) {
    case 'none':
      return html`<p id="membership-status">Anda membeli lisensi. Kunci dan perangkatnya ada di Lisensi saya.</p>`;
    case 'active':
      return html`<p id="membership-status">Member aktif ${state.endsAt === null ? 'selamanya' : html`sampai <strong>${formatDate(state.endsAt, timeZone)}</strong>`}.</p>`;
    case 'expired':
      return html`<p class="error" id="membership-status">Masa aktif member berakhir pada ${formatDate(state.endsAt, timeZone)}.</p>
${renew.url ? html`<p><a class="button-link" href="${renew.url}" rel="noopener" id="renew-link">Perpanjang ${renew.title}</a></p>` : ''}`;
  }
}

/** Every order paid with the member's address, each once: paying twice shows two. */
function purchasesView(orders: readonly Order[], products: ReadonlyMap<number, string>, timeZone: string): SafeHtml {
  if (orders.length === 0) return html`<p class="muted" id="no-purchases">Belum ada pembelian dengan email ini.</p>`;
  return html`<ul class="product-cards" id="purchases">${orders.map(
    (o) =>
      html`<li class="product-card"><div><strong>${products.get(o.id) ?? `Order ${o.order_no}`}</strong> ${o.refunded_at === null ? html`<span class="badge ok">Lunas</span>` : html`<span class="badge bad">Dibatalkan</span>`}</div>
<p class="muted">Order ${o.order_no} · ${formatDate(o.created_at, timeZone)} · ${rupiah(o.grand_total)}</p></li>`,
  )}</ul>`;
}

/** What "Lisensi saya" says after a redirect (the query names the case). */
const LICENSE_NOTICES: Readonly<Record<string, { text: string; kind: 'ok' | 'error' }>> = {
  dilepas: { text: 'Perangkat dilepas dari lisensi.', kind: 'ok' },
  batas: {
    text: 'Batas pelepasan perangkat lisensi ini sudah tercapai. Minta reset di bawah, atau hubungi penjual.',
    kind: 'error',
  },
  reset: {
    text: 'Permintaan reset dicatat. Buka tautan di email yang kami kirim untuk mengonfirmasinya.',
    kind: 'ok',
  },
};

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
    const now = licenseDeps.runtime.now();
    const [state, renew, orders] = await Promise.all([
      memberMembership(db, member.memberId, now),
      renewUrlOf(db, member.memberId),
      ordersOfEmail(db, member.email, 50),
    ]);
    const products = await productLines(
      db,
      orders.map((o) => o.id),
    );
    const changed = (request.query as Record<string, unknown>).sandi === 'baru';
    return sendMemberPage(
      reply,
      'Beranda member',
      html`<h1>Halo, ${member.name || member.email}</h1>
${changed ? html`<p class="ok" role="status" id="password-saved">Kata sandi baru tersimpan. Sesi di perangkat lain sudah diakhiri.</p>` : ''}
<p>Anda masuk sebagai <strong>${member.email}</strong>.</p>
${membershipStatus(state, renew, timeZone)}
<ul><li><a href="/member/lisensi">Lisensi saya</a>: kunci lisensi, perangkat dan masa berlakunya.</li>${state.kind === 'none' ? '' : html`<li><a href="/member/produk">Produk saya</a>: produk yang Anda beli dan materi member.</li>`}<li><a href="/member/perangkat">Perangkat saya</a>: browser yang masuk ke akun ini.</li><li><a href="/akun">Akun saya</a>: ubah kata sandi atau email.</li></ul>
<h2>Pembelian saya</h2>
${purchasesView(orders, products, timeZone)}
<p class="muted">Akun ini hanya boleh aktif di satu perangkat. Jika Anda masuk di perangkat lain, sesi di sini berakhir otomatis.</p>`,
    );
  });

  app.get('/member/lisensi', async (request, reply) => {
    const member = signedIn(request);
    const now = licenseDeps.runtime.now();
    const licenses = await listLicenses(db, { email: member.email, limit: 500 });
    const ids = licenses.map((l) => l.id);
    const activations = await memberActivations(db, ids);
    const allowances = await transferAllowances(db, ids, transferSettings(licenseDeps), now);
    const csrf = reply.generateCsrf();
    const cards: SafeHtml[] = [];
    for (const l of licenses) {
      const devices = activations.get(l.id) ?? [];
      const allowance = allowances.get(l.id);
      const exhausted = allowance?.remaining === 0;
      const list = devices.map(
        (a) =>
          html`<li data-activation-id="${a.id}">${a.name} <span class="muted">sejak ${formatDateTime(a.createdAt, timeZone)}</span>
${exhausted ? '' : html`<form method="post" action="/member/lisensi/aktivasi/${a.id}/lepas"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="secondary release">Lepaskan</button></form>`}</li>`,
      );
      const state = licenseState(l, now);
      const transfers = allowance ? await transferNote(l.id, allowance, csrf) : '';
      cards.push(html`<li class="product-card license-card" data-license-id="${l.id}">
<div><strong>${l.product_title}</strong> <span class="badge ${STATE_TONE[state]}">${STATE_TEXT[state]}</span></div>
<p class="license-key">${copyableKey(l.license_key, `key-${l.id}`)}</p>
<dl class="facts"><dt>Perangkat</dt><dd>${devices.length} / ${l.max_devices}</dd><dt>Berlaku sampai</dt><dd>${l.expires_at ? formatDate(l.expires_at, timeZone) : 'Selamanya'}</dd><dt>Dibeli</dt><dd>${formatDate(l.created_at, timeZone)}${l.order_no ? ` · order ${l.order_no}` : ''}</dd></dl>
${devices.length > 0 ? html`<ul class="devices">${list}</ul>` : ''}
${transfers}
${state === 'active' ? html`<a class="button-link" href="/member/produk/${l.id}">Buka produk</a>` : ''}
</li>`);
    }
    const query = request.query as Record<string, unknown>;
    const notice = Object.entries(LICENSE_NOTICES).find(([key]) => query[key] !== undefined)?.[1];
    return sendPage(
      reply,
      200,
      memberPage(
        'Lisensi saya',
        csrf,
        html`<h1>Lisensi saya</h1>
${notice ? html`<p class="${notice.kind}" id="release-notice">${notice.text}</p>` : ''}
${
  licenses.length === 0
    ? html`<p class="muted">Belum ada lisensi untuk ${member.email}.</p>`
    : html`<ul class="product-cards" id="licenses">${cards}</ul>`
}`,
      ),
    );
  });

  /** Releases left, and past the limit: when one is possible again and the way to ask for a reset. */
  async function transferNote(licenseId: number, allowance: Allowance, csrf: string): Promise<SafeHtml | ''> {
    if (allowance.limit === null) return '';
    const left = html`<p class="muted transfers" data-transfers-remaining="${String(allowance.remaining)}">Sisa pelepasan perangkat: ${String(allowance.remaining)} dari ${String(allowance.limit)} (30 hari).</p>`;
    if (allowance.remaining !== 0) return left;
    const open = await openRequest(db, licenseId);
    const again = allowance.nextAt ? html` Bisa lagi mulai ${formatDateTime(allowance.nextAt, timeZone)}.` : '';
    const ask = open
      ? html`<p class="muted reset-status">${open.status === 'unconfirmed' ? 'Permintaan reset menunggu konfirmasi lewat email Anda.' : 'Permintaan reset menunggu persetujuan penjual.'}</p>`
      : html`<form method="post" action="/member/lisensi/${licenseId}/minta-reset"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="secondary release" id="ask-reset-${licenseId}">Minta reset</button></form>`;
    return html`${left}<p class="info-box">Batas pelepasan perangkat tercapai.${again}</p>${ask}`;
  }

  app.post<{ Params: { id: string } }>(
    '/member/lisensi/aktivasi/:id/lepas',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const member = signedIn(request);
      const id = Number(request.params.id);
      const origin = {
        ip: request.ip,
        userAgent: String(request.headers['user-agent'] ?? ''),
        memberId: member.memberId,
      };
      const result =
        Number.isSafeInteger(id) && id > 0
          ? await releaseMemberActivation(licenseDeps, member.email, id, origin)
          : null;
      if (result && !result.ok && result.code === 'TRANSFER_LIMIT')
        return reply.redirect('/member/lisensi?batas=1', 303);
      // Another member's activation, or one already released: the same "not found".
      if (!result?.ok) throw new AppError('NOT_FOUND');
      return reply.redirect('/member/lisensi?dilepas=1', 303);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/member/lisensi/:id/minta-reset',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const member = signedIn(request);
      const id = Number(request.params.id);
      const requester = { memberId: member.memberId, email: member.email, name: member.name };
      const result = Number.isSafeInteger(id) && id > 0 ? await requestTransferReset(licenseDeps, requester, id) : null;
      if (!result) throw new AppError('NOT_FOUND');
      if (!result.ok) {
        if (result.code === 'NOT_FOUND') throw new AppError('NOT_FOUND');
        return reply.redirect('/member/lisensi', 303);
      }
      if (result.mailQueued) options.onMailQueued?.();
      return reply.redirect('/member/lisensi?reset=1', 303);
    },
  );

  await devicesPageRoutes(app, { auth: licenseDeps, timeZone });
  await productPageRoutes(app, { licenses: licenseDeps, signedIn, content: options.productContent });
};
