import type { SafeHtml } from './html.js';
import { html } from './html.js';

/**
 * A license key as people read and copy it: it wraps only between its groups (never inside one)
 * and has a "Salin" button (src/client/copy-buttons.ts shows it when script runs).
 */
export function copyableKey(key: string, id?: string): SafeHtml {
  return html`<span class="key-copy">${keyText(key, id)}<button type="button" class="copy" data-copy="${key}" hidden>Salin</button></span>`;
}

/** The key alone, wrapping only between groups (a list's link text). */
export function keyText(key: string, id?: string): SafeHtml {
  return html`<code class="key"${id ? html` id="${id}"` : ''}>${key.split('-').map((group, i) => html`${i > 0 ? html`-<wbr>` : ''}${group}`)}</code>`;
}
