/**
 * What a reader of a page sees: its text without tags (attributes are not on screen), without the
 * stylesheet, and without the collapsed "Rincian teknis" blocks that keep codes for support.
 */
export function visibleText(page: string): string {
  return page
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<details class="tech">[\s\S]*?<\/details>/g, '')
    .replace(/<[^>]*>/g, ' ');
}
