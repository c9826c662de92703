import MarkdownIt from 'markdown-it';
import { SafeHtml } from '../web/html.js';

/**
 * Text blocks are Markdown written by the seller and shown to buyers. markdown-it with `html: false`
 * escapes any raw HTML in the source instead of passing it through, so the output holds only the
 * tags its own rules emit; links are limited to http(s) and mailto (its default already refuses
 * javascript:, vbscript:, file: and most data:). Images are off: the page's CSP would block
 * third-party images anyway, and a tracking pixel in a paid text has no business there.
 */
const md = new MarkdownIt('default', { html: false, linkify: true, breaks: true, typographer: false });
md.disable('image');

const ALLOWED_LINK = /^(https?:\/\/|mailto:)/i;
md.validateLink = (url: string) => ALLOWED_LINK.test(url.trim());

// Links leave the member area in a new tab, without our URL as Referer (it may name a license).
const defaultLinkOpen = md.renderer.rules.link_open;
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx];
  if (token) {
    token.attrSet('rel', 'noopener noreferrer nofollow');
    token.attrSet('target', '_blank');
  }
  return defaultLinkOpen ? defaultLinkOpen(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
};

/** Seller's Markdown as HTML that is safe to put in a page as it is. */
export function renderMarkdown(source: string): SafeHtml {
  return new SafeHtml(md.render(source));
}
