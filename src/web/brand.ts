import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { escapeHtml } from './html.js';

/**
 * The seller's brand: name, logo, colour, mail sender and footer, stored in the database
 * (store_settings) so every instance shows the same. Pages and mails are rendered with markers
 * (BRAND_MARKERS) that applyBrand fills in: the many places that render a page need not know the brand.
 */
export interface Brand {
  storeName: string;
  primaryColor: string;
  mailFromName: string;
  replyTo: string;
  footerText: string;
  logo: { mime: string; data: string } | null;
  /** Changes on every save: the brand stylesheet's and logo's cache key. */
  version: number;
}

export const DEFAULT_BRAND: Brand = {
  storeName: 'Gerbang',
  primaryColor: '#1f6feb',
  mailFromName: '',
  replyTo: '',
  footerText: '',
  logo: null,
  version: 0,
};

export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export const LOGO_MAX_BYTES = 200 * 1024;

export async function loadBrand(db: Kysely<Database>): Promise<Brand> {
  const row = await db.selectFrom('store_settings').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!row) return DEFAULT_BRAND;
  return {
    storeName: row.store_name || DEFAULT_BRAND.storeName,
    primaryColor: row.primary_color || DEFAULT_BRAND.primaryColor,
    mailFromName: row.mail_from_name,
    replyTo: row.reply_to,
    footerText: row.footer_text,
    logo: row.logo_mime && row.logo_data ? { mime: row.logo_mime, data: row.logo_data } : null,
    version: row.updated_at,
  };
}

export type BrandInput = Pick<Brand, 'storeName' | 'primaryColor' | 'mailFromName' | 'replyTo' | 'footerText'>;

/** Saves the brand's texts (the logo is kept unless `logo` is given; null removes it). */
export async function saveBrand(
  db: Kysely<Database>,
  input: Partial<BrandInput> & { logo?: Brand['logo'] },
  now: number,
): Promise<void> {
  const current = await loadBrand(db);
  const next = { ...current, ...input };
  const row = {
    store_name: next.storeName,
    primary_color: next.primaryColor,
    mail_from_name: next.mailFromName,
    reply_to: next.replyTo,
    footer_text: next.footerText,
    logo_mime: next.logo?.mime ?? null,
    logo_data: next.logo?.data ?? null,
    // Strictly increasing, so two saves in one millisecond still change the cache key.
    updated_at: Math.max(now, current.version + 1),
  };
  await db
    .insertInto('store_settings')
    .values({ id: 1, ...row })
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute();
}

/**
 * The brand, read at most every `ttlMs` (other instances' saves show within that); a save here shows
 * at once. Once read, a page never waits for the database again: a stale brand answers at once while
 * one read refreshes it behind, so a stalled or unreachable database cannot slow every page down.
 */
export class BrandCache {
  private cached: { brand: Brand; at: number } | undefined;
  private reading: Promise<Brand> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly ttlMs = 5_000,
  ) {}

  async get(): Promise<Brand> {
    const now = this.now();
    const cached = this.cached;
    if (cached && now - cached.at < this.ttlMs && now >= cached.at) return cached.brand;
    const read = this.read();
    return cached ? cached.brand : read;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  /** One read at a time; a failed read keeps the last brand (Gerbang's own before any). */
  private read(): Promise<Brand> {
    this.reading ??= loadBrand(this.db)
      .then(
        (brand) => {
          this.cached = { brand, at: this.now() };
          return brand;
        },
        () => this.cached?.brand ?? DEFAULT_BRAND,
      )
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}

/** Where page() and the mail layout leave room for the brand. */
export const BRAND_MARKERS = {
  head: '<!--brand:head-->',
  top: '<!--brand:top-->',
  name: '<!--brand:name-->',
  footer: '<!--brand:footer-->',
  mailTop: '<!--brand:mail-top-->',
  mailFooter: '<!--brand:mail-footer-->',
} as const;

/** The default title suffix page() writes; a store name replaces it. */
export const TITLE_SUFFIX = ' · Gerbang</title>';

/** Fills a page's brand markers (title, stylesheet, store header, footer). */
export function applyBrand(page: string, brand: Brand): string {
  const name = escapeHtml(brand.storeName);
  const custom = brand.version > 0;
  const logo = brand.logo ? `<img src="/assets/logo?v=${brand.version}" alt="" class="store-logo">` : '';
  return page
    .replace(TITLE_SUFFIX, ` · ${name}</title>`)
    .replace(BRAND_MARKERS.head, custom ? `<link rel="stylesheet" href="/assets/brand.css?v=${brand.version}">` : '')
    .replace(BRAND_MARKERS.top, custom ? `<header class="store">${logo}<b>${name}</b></header>` : '')
    .replaceAll(BRAND_MARKERS.name, name)
    .replace(
      BRAND_MARKERS.footer,
      brand.footerText ? `<footer class="store-footer">${escapeHtml(brand.footerText)}</footer>` : '',
    );
}

/** /assets/brand.css: the primary colour as the variable the stylesheet uses. */
export function brandStylesheet(brand: Brand): string {
  return `:root{--primary:${/^#[0-9a-f]{6}$/i.test(brand.primaryColor) ? brand.primaryColor : DEFAULT_BRAND.primaryColor}}\n`;
}

/** A mail's HTML with the store's name on top and its footer line at the bottom (inline styles: mail clients). */
export function applyMailBrand(mailHtml: string, brand: Brand): string {
  const color = /^#[0-9a-f]{6}$/i.test(brand.primaryColor) ? brand.primaryColor : DEFAULT_BRAND.primaryColor;
  return mailHtml
    .replace(
      BRAND_MARKERS.mailTop,
      brand.version > 0
        ? `<p style="margin:0 0 16px;font-weight:bold;font-size:18px;color:${color};">${escapeHtml(brand.storeName)}</p>`
        : '',
    )
    .replace(
      BRAND_MARKERS.mailFooter,
      brand.footerText
        ? `<p style="margin-top:8px;font-size:12px;color:#7b8794;">${escapeHtml(brand.footerText)}</p>`
        : '',
    );
}

/** The plain-text part's footer line. */
export function mailTextFooter(brand: Brand): string {
  return brand.footerText ? `\n\n--\n${brand.storeName}\n${brand.footerText}\n` : '';
}

/** "Toko Ani <noreply@toko.example>" from MAIL_FROM's address and the brand's sender name. */
export function mailFrom(configured: string, brand: Brand): string {
  if (!brand.mailFromName) return configured;
  const address = /<([^>]+)>/.exec(configured)?.[1] ?? configured.trim();
  return `"${brand.mailFromName.replace(/["\\\r\n]/g, '')}" <${address}>`;
}

/** A cached reader for workers (the mail worker reads the brand for every mail). */
export function brandReader(db: Kysely<Database>): () => Promise<Brand> {
  const cache = new BrandCache(db, () => Date.now());
  return () => cache.get();
}
