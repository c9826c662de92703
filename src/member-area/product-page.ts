import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LiveSession } from '../auth/index.js';
import { describeUserAgent } from '../auth/index.js';
import type { License } from '../db/index.js';
import { AppError } from '../errors.js';
import type { ActivationView, LicenseDeps } from '../licenses/index.js';
import {
  activateLicense,
  deviceActivation,
  licenseState,
  memberActivations,
  memberDeviceFingerprint,
  memberLicense,
} from '../licenses/index.js';
import { copyableKey } from '../web/copy-key.js';
import type { SafeHtml } from '../web/html.js';
import { html } from '../web/html.js';
import { memberPage } from '../web/member-layout.js';
import { contentSecurityPolicy, sendPage } from '../web/respond.js';

/** A product's own content for its license (null: none configured, the page keeps its default text). */
export type ProductContent = (license: License) => Promise<{ body: SafeHtml; frameOrigins: readonly string[] } | null>;

export interface ProductPageOptions {
  licenses: LicenseDeps;
  signedIn: (request: FastifyRequest) => LiveSession;
  content?: ProductContent | undefined;
}

type LicenseParams = { Params: { licenseId: string } };

function licenseIdOf(request: FastifyRequest<LicenseParams>): number {
  const id = Number(request.params.licenseId);
  if (!Number.isSafeInteger(id) || id < 1) throw new AppError('NOT_FOUND');
  return id;
}

const devicesList = (devices: readonly ActivationView[]) =>
  html`<ul class="devices">${devices.map((d) => html`<li>${d.name}</li>`)}</ul>`;

/**
 * The "open product" page (seed 000, "Penutup": record the device that opens a digital product,
 * notice a second device on the same license, cut access live). This browser's device — the
 * random token of its HttpOnly device cookie, not its JS fingerprint, which identical machines
 * share — is the activation's fingerprint. Opening is a POST (with CSRF): a prefetching browser or
 * a link scanner must never take a license over from another device.
 */
export async function productPageRoutes(app: FastifyInstance, options: ProductPageOptions): Promise<void> {
  const { licenses: deps, signedIn } = options;
  /** Until the license ends by itself, so the page can close on time (null: no end). */
  const remainingMs = (license: License) =>
    license.expires_at === null ? null : Math.max(0, license.expires_at - deps.runtime.now());
  const send = (
    reply: FastifyReply,
    status: number,
    title: string,
    body: SafeHtml,
    data: Record<string, string> = {},
  ) => sendPage(reply, status, memberPage(title, reply.generateCsrf(), body, data));

  app.get<LicenseParams>('/member/produk/:licenseId', async (request, reply) => {
    const member = signedIn(request);
    const license = await memberLicense(deps.db, member.email, licenseIdOf(request));
    if (!license) throw new AppError('NOT_FOUND');
    const state = licenseState(license, deps.runtime.now());
    const activation = state === 'active' ? await deviceActivation(deps.db, license.id, member.deviceId) : null;
    if (activation) {
      const content = (await options.content?.(license)) ?? null;
      // The players framed on this page, and only them.
      if (content && content.frameOrigins.length > 0)
        reply.header('content-security-policy', contentSecurityPolicy(content.frameOrigins.join(' ')));
      const remaining = remainingMs(license);
      return send(
        reply,
        200,
        license.product_title,
        html`<h1>${license.product_title}</h1>
<section id="product-content">
<p class="ok">Produk terbuka di perangkat ini (${activation.name}).</p>
<p>Kunci lisensi: ${copyableKey(license.license_key)}</p>
<div class="product-body">${content ? content.body : html`<p>Selamat belajar! Isi produk ini hanya tampil di perangkat yang memegang lisensinya.</p>`}</div>
</section>
<div id="product-closed" class="error" role="alert" hidden></div>
<p id="product-reopen" hidden><a href="/member/produk/${license.id}">Buka lagi di perangkat ini</a></p>`,
        {
          'license-id': String(license.id),
          'activation-id': String(activation.id),
          ...(remaining === null ? {} : { 'expires-in': String(remaining) }),
        },
      );
    }
    if (state !== 'active') {
      const text = state === 'revoked' ? 'Lisensi ini sudah dicabut.' : 'Masa berlaku lisensi ini sudah habis.';
      return send(
        reply,
        403,
        license.product_title,
        html`<h1>${license.product_title}</h1><p class="error">${text}</p>`,
      );
    }
    const used = (await memberActivations(deps.db, [license.id])).get(license.id) ?? [];
    const full = used.length >= license.max_devices;
    const warning = !full
      ? ''
      : license.on_limit === 'takeover'
        ? html`<p class="info-box">Lisensi ini sedang dipakai di ${used.length} perangkat (batas ${license.max_devices}). Membuka di sini menutup akses di perangkat yang paling lama:</p>${devicesList(used)}`
        : html`<p class="info-box">Batas ${license.max_devices} perangkat sudah tercapai. Lepaskan perangkat lain di <a href="/member/lisensi">Lisensi saya</a> terlebih dahulu.</p>${devicesList(used)}`;
    return send(
      reply,
      200,
      license.product_title,
      html`<h1>${license.product_title}</h1>
<p>Lisensi ini dapat dipakai di ${license.max_devices} perangkat; ${used.length} sudah terpakai.</p>
${warning}
<form method="post" action="/member/produk/${license.id}/buka" id="open-product"><input type="hidden" name="_csrf" value="${reply.generateCsrf()}"><button type="submit">Buka di perangkat ini</button></form>`,
    );
  });

  app.post<LicenseParams>(
    '/member/produk/:licenseId/buka',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const member = signedIn(request);
      const license = await memberLicense(deps.db, member.email, licenseIdOf(request));
      if (!license) throw new AppError('NOT_FOUND');
      const { browser, os } = describeUserAgent(String(request.headers['user-agent'] ?? ''));
      const result = await activateLicense(
        deps,
        { id: license.id },
        { fingerprint: memberDeviceFingerprint(member.deviceId), name: `${browser} di ${os}` },
      );
      if (result.ok) return reply.redirect(`/member/produk/${license.id}`, 303);
      if (result.code === 'ACTIVATION_LIMIT') {
        return send(
          reply,
          409,
          license.product_title,
          html`<h1>${license.product_title}</h1>
<p class="error" id="limit-notice">Batas ${result.maxDevices} perangkat untuk lisensi ini sudah tercapai.</p>
${devicesList(result.activations)}
<p>Lepaskan salah satu perangkat di <a href="/member/lisensi">Lisensi saya</a>, lalu coba lagi.</p>`,
        );
      }
      if (result.code === 'LICENSE_NOT_FOUND') throw new AppError('NOT_FOUND');
      return reply.redirect(`/member/produk/${license.id}`, 303);
    },
  );
}
