import { formatDate } from '../shared/format.js';
import type { SafeHtml } from '../web/html.js';
import { html } from '../web/html.js';
import { formatBytes } from './console-views.js';
import { renderMarkdown } from './markdown.js';
import type { ItemWithFile } from './store.js';

/** What the member area shows of a product's content. */

export interface ContentView {
  body: SafeHtml;
  /** Origins of the players framed on the page: the page's CSP allows exactly these. */
  frameOrigins: string[];
}

/** A video as the seller's own players expect it: `#videoFrame` for the first (seed 000's handshake). */
function videoItem(item: ItemWithFile, first: boolean): SafeHtml {
  return html`<figure class="content-video"><figcaption>${item.title}</figcaption><div class="video"><iframe${first ? html` id="videoFrame"` : ''} src="${item.url ?? ''}" class="content-player" title="${item.title}" allow="autoplay; fullscreen; picture-in-picture; encrypted-media" allowfullscreen referrerpolicy="strict-origin-when-cross-origin" loading="lazy"></iframe></div></figure>`;
}

function itemView(item: ItemWithFile, downloadHref: (itemId: number) => string, firstVideo: boolean): SafeHtml {
  switch (item.kind) {
    case 'video':
      return videoItem(item, firstVideo);
    case 'file':
      return html`<p class="content-file"><a href="${downloadHref(item.id)}" class="file-link" data-item-id="${item.id}">${item.title}</a> <span class="muted">Unduh ${item.file_name ?? ''} · ${formatBytes(item.file_size ?? 0)}</span></p>`;
    case 'link':
      return html`<p class="content-link"><a href="${item.url ?? ''}" target="_blank" rel="noopener noreferrer">${item.title}</a></p>`;
    case 'text':
      return html`<div class="content-text"><h3>${item.title}</h3>${renderMarkdown(item.body ?? '')}</div>`;
  }
}

/** The ordered items; file links go through the download gate, which signs a short-lived URL. */
export function contentItemsView(
  items: readonly ItemWithFile[],
  downloadHref: (itemId: number) => string,
): ContentView {
  const firstVideo = items.find((i) => i.kind === 'video');
  const origins = new Set<string>();
  for (const item of items) {
    if (item.kind !== 'video' || !item.url) continue;
    try {
      origins.add(new URL(item.url).origin);
    } catch {
      // A stored URL that no longer parses is shown, never framed from an unknown origin.
    }
  }
  const body = html`<ol class="content-items">${items.map((item) => html`<li class="content-item" data-kind="${item.kind}">${itemView(item, downloadHref, item === firstVideo)}</li>`)}</ol>`;
  return { body, frameOrigins: [...origins] };
}

/** The default member content: MEMBER_VIDEO_URL's player while no membership product has content. */
export function defaultVideoView(url: string): ContentView {
  return {
    body: html`<div class="video"><iframe id="videoFrame" src="${url}" class="content-player" title="Video member" allow="autoplay; fullscreen; picture-in-picture; encrypted-media" allowfullscreen referrerpolicy="strict-origin-when-cross-origin"></iframe></div>`,
    frameOrigins: [new URL(url).origin],
  };
}

export interface OwnedProduct {
  licenseId: number;
  /** The seller's name for it (its content's), else the title it was bought under. */
  title: string;
  /** The title on the receipt, when the seller named the product otherwise. */
  boughtAs: string | null;
  state: 'active' | 'revoked' | 'expired';
  itemCount: number;
}

const STATE_TEXT = { active: 'Aktif', revoked: 'Dicabut', expired: 'Kedaluwarsa' } as const;
const STATE_TONE = { active: 'ok', revoked: 'bad', expired: 'warn' } as const;

/** "Produk saya": the membership's content (if any) and every product bought with this email. */
export function ownedProductsView(
  products: readonly OwnedProduct[],
  membership: { itemCount: number; active: boolean } | null,
): SafeHtml {
  const cards = products.map(
    (p) => html`<li class="product-card" data-license-id="${p.licenseId}">
<div><strong>${p.title}</strong> <span class="badge ${STATE_TONE[p.state]}">${STATE_TEXT[p.state]}</span></div>
<p class="muted">${p.boughtAs ? `${p.boughtAs} · ` : ''}${p.itemCount > 0 ? `${p.itemCount} materi` : 'Kunci lisensi dan petunjuk produk'}</p>
${p.state === 'active' ? html`<a class="button-link" href="/member/produk/${p.licenseId}">Buka</a>` : ''}
</li>`,
  );
  const member = membership
    ? membership.active
      ? html`<li class="product-card" id="membership-card"><div><strong>Materi member</strong> <span class="badge ok">Aktif</span></div>
<p class="muted">${membership.itemCount > 0 ? `${membership.itemCount} materi` : 'Video member'}</p>
<a class="button-link" href="/member/video">Buka</a></li>`
      : html`<li class="product-card" id="membership-card"><div><strong>Materi member</strong> <span class="badge bad">Berakhir</span></div>
<p class="muted">Masa aktif member sudah berakhir.</p>
<a class="button-link" href="/member/video">Perpanjang</a></li>`
    : '';
  const empty = products.length === 0 && !membership;
  return html`<h1>Produk saya</h1>
${empty ? html`<p class="muted" id="no-products">Belum ada produk untuk akun ini.</p>` : html`<ul class="product-cards" id="my-products">${member}${cards}</ul>`}`;
}

/**
 * What an expired member (or a buyer without membership) sees instead of the member content: when
 * it ended and where to buy it again. The seller's renewal page comes from the product rule.
 */
export function membershipRenewalView(
  state: { kind: 'none' } | { kind: 'expired'; endsAt: number },
  renew: { title: string; url: string | null },
  timeZone: string,
): SafeHtml {
  const said =
    state.kind === 'expired'
      ? html`<p class="error" id="membership-ended">Masa aktif member Anda berakhir pada ${formatDate(state.endsAt, timeZone)}.</p>`
      : html`<p class="muted" id="membership-none">Akun ini belum memiliki keanggotaan aktif.</p>`;
  return html`<h1>Perpanjang member</h1>
${said}
<p>Materi member terbuka lagi begitu pembayaran perpanjangan diterima. Bayar dengan email akun ini.</p>
${renew.url ? html`<p><a class="button-link" id="renew-link" href="${renew.url}" rel="noopener">Perpanjang ${renew.title}</a></p>` : html`<p class="muted">Hubungi penjual untuk memperpanjang.</p>`}
<p class="muted">Lisensi yang Anda beli tetap bisa dilihat di <a href="/member/lisensi">Lisensi saya</a>.</p>`;
}
