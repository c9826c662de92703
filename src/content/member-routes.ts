import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { LiveSession } from '../auth/index.js';
import type { Runtime } from '../clock.js';
import type { Database, License } from '../db/index.js';
import type { ErrorCode } from '../errors.js';
import { AppError } from '../errors.js';
import { licenseState, listLicenses } from '../licenses/index.js';
import { memberMembership, renewUrlOf } from '../members/index.js';
import type { ProductCatalog } from '../products/index.js';
import { html } from '../web/html.js';
import { memberPage } from '../web/member-layout.js';
import { contentSecurityPolicy, sendPage } from '../web/respond.js';
import type { ItemAccess } from './access.js';
import { itemAccess, licenseContent, membershipContent } from './access.js';
import type { DeliveryDeps } from './delivery.js';
import { fileForHolder } from './delivery.js';
import type { ContentView } from './member-views.js';
import { contentItemsView, defaultVideoView, membershipRenewalView, ownedProductsView } from './member-views.js';
import { planDownload, sendStoredFile } from './send-file.js';
import type { Holder } from './signed-url.js';
import { signDownload, verifyDownload } from './signed-url.js';
import { countDownload, listContentProducts } from './store.js';

export interface ContentMemberOptions {
  db: Kysely<Database>;
  runtime: Runtime;
  requireMember: preHandlerAsyncHookHandler;
  catalog: () => Promise<ProductCatalog>;
  /** The members' default content while no membership product has content of its own. */
  memberVideoUrl: string | undefined;
  signingKey: Buffer;
  delivery: DeliveryDeps;
  /** Dates on the renewal page. */
  timeZone: string;
}

/** A page that frames players names their origins, and only theirs, in its CSP. */
export function allowFrames(reply: FastifyReply, origins: readonly string[]): void {
  if (origins.length > 0) reply.header('content-security-policy', contentSecurityPolicy(origins.join(' ')));
}

/** The product page's content for a license, or null (no content configured: the plain page). */
export function licenseContentView(db: Kysely<Database>) {
  return async (license: Pick<License, 'id' | 'product_uuid' | 'product_title'>): Promise<ContentView | null> => {
    const content = await licenseContent(db, license);
    if (!content || content.items.length === 0) return null;
    const view = contentItemsView(content.items, (itemId) => `/member/konten/${itemId}/unduh?lisensi=${license.id}`);
    // The page is headed by the title bought; the seller's own name for the product goes beneath.
    if (content.product.name === license.product_title) return view;
    return { ...view, body: html`<h2 class="content-name">${content.product.name}</h2>${view.body}` };
  };
}

const REFUSALS: Record<Exclude<ItemAccess['kind'], 'ok'>, ErrorCode> = {
  not_found: 'NOT_FOUND',
  revoked: 'LICENSE_REVOKED',
  expired: 'LICENSE_EXPIRED',
  not_open: 'PRODUCT_NOT_OPEN',
  membership_ended: 'MEMBERSHIP_ENDED',
};

const downloadQuery = z.object({
  token: z.string().max(200).optional(),
  lisensi: z.coerce.number().int().positive().max(2_147_483_647).optional(),
});
const itemParams = z.object({ item: z.coerce.number().int().positive().max(2_147_483_647) });

function signedIn(request: FastifyRequest): LiveSession {
  if (!request.member) throw new Error('member guard did not run');
  return request.member;
}

/**
 * Produk saya, the members' content page, and downloads. A file link on a page points at the
 * download gate (`/member/konten/:item/unduh`), which checks access and answers with a signed URL
 * valid for five minutes and for this session only; that URL serves the bytes (with Range) after
 * checking again, so a revoked, expired or taken-over license stops a download that has not begun.
 */
export const contentMemberRoutes: FastifyPluginAsync<ContentMemberOptions> = async (app, opts) => {
  const { db, runtime } = opts;
  app.addHook('preHandler', opts.requireMember);

  app.get('/member/produk', async (request, reply) => {
    const member = signedIn(request);
    const now = runtime.now();
    const [licenses, products, membership, state] = await Promise.all([
      listLicenses(db, { email: member.email, limit: 500 }),
      listContentProducts(db),
      membershipContent(db, await opts.catalog()),
      memberMembership(db, member.memberId, now),
    ]);
    const contentOf = (license: { product_uuid: string; product_title: string }) =>
      (license.product_uuid ? products.find((p) => p.match_uuid === license.product_uuid) : undefined) ??
      products.find((p) => p.match_title === license.product_title);
    const owned = licenses.map((l) => {
      const content = contentOf(l);
      const named = content && content.name !== l.product_title ? content.name : null;
      return {
        licenseId: l.id,
        title: named ?? l.product_title,
        boughtAs: named ? l.product_title : null,
        state: licenseState(l, now),
        itemCount: Number(content?.item_count ?? 0),
      };
    });
    const memberItems = membership.reduce((n, m) => n + m.items.length, 0);
    const hasMemberContent = (memberItems > 0 || opts.memberVideoUrl !== undefined) && state.kind !== 'none';
    return sendPage(
      reply,
      200,
      memberPage(
        'Produk saya',
        reply.generateCsrf(),
        ownedProductsView(owned, hasMemberContent ? { itemCount: memberItems, active: state.kind === 'active' } : null),
      ),
    );
  });

  app.get('/member/video', async (request, reply) => {
    const member = signedIn(request);
    const state = await memberMembership(db, member.memberId, runtime.now());
    // An ended membership (or none: a buyer of licenses) sees how to renew instead of the content.
    if (state.kind !== 'active')
      return sendPage(
        reply,
        200,
        memberPage(
          'Perpanjang member',
          reply.generateCsrf(),
          membershipRenewalView(state, await renewUrlOf(db, member.memberId), opts.timeZone),
        ),
      );
    const groups = (await membershipContent(db, await opts.catalog())).filter((g) => g.items.length > 0);
    const views = groups.map((g) => ({
      name: g.product.name,
      view: contentItemsView(g.items, (itemId) => `/member/konten/${itemId}/unduh`),
    }));
    const fallback = views.length === 0 && opts.memberVideoUrl ? defaultVideoView(opts.memberVideoUrl) : null;
    allowFrames(reply, [...views.flatMap((v) => v.view.frameOrigins), ...(fallback?.frameOrigins ?? [])]);
    const body =
      views.length > 0
        ? html`${views.map((v) => html`<h2>${v.name}</h2>${v.view.body}`)}`
        : (fallback?.body ?? html`<p class="muted" id="no-member-content">Belum ada materi untuk member.</p>`);
    return sendPage(
      reply,
      200,
      memberPage(
        'Materi member',
        reply.generateCsrf(),
        html`<h1>Materi member</h1><p class="error" id="product-closed" role="alert" hidden></p><section id="product-content">${body}</section>`,
        // The page closes live if the membership is taken back (a refund).
        { membership: 'open' },
      ),
    );
  });

  // GET and HEAD as one route: Fastify's automatic HEAD twin would read the whole file from storage
  // only to drop it, and answer Content-Length: 0 when nothing is sent.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/member/konten/:item/unduh',
    handler: async (request, reply) => {
      const member = signedIn(request);
      const params = itemParams.safeParse(request.params);
      const query = downloadQuery.safeParse(request.query);
      if (!params.success || !query.success) throw new AppError('NOT_FOUND');
      const itemId = params.data.item;
      const now = runtime.now();
      // The URL carries a token: keep it out of Referer headers.
      reply.header('referrer-policy', 'no-referrer');
      let holder: Holder;
      if (query.data.token !== undefined) {
        const check = verifyDownload(opts.signingKey, query.data.token, itemId, member.sessionId, now);
        if (!check.ok) throw new AppError('DOWNLOAD_LINK_INVALID');
        holder = check.holder;
      } else {
        holder = query.data.lisensi
          ? { kind: 'license', id: query.data.lisensi }
          : { kind: 'member', id: member.memberId };
      }
      const access = await itemAccess({ db, catalog: opts.catalog, now }, member, itemId, holder);
      if (access.kind !== 'ok') throw new AppError(REFUSALS[access.kind]);
      if (access.item.kind !== 'file') throw new AppError('NOT_FOUND');
      if (query.data.token === undefined) {
        const token = signDownload(opts.signingKey, itemId, holder, member.sessionId, now);
        return reply.header('cache-control', 'no-store').redirect(`/member/konten/${itemId}/unduh?token=${token}`, 303);
      }
      const served = await fileForHolder(opts.delivery, access.item, holder, access.buyer, now);
      if (!served) throw new AppError('NOT_FOUND');
      const plan = planDownload(request, reply, served.file);
      if (plan.fromStart) await countDownload(db, served.deliveryId, now);
      return sendStoredFile(request, reply, opts.delivery.storage, served.file, plan);
    },
  });
};
