import { z } from 'zod';
import { inputText } from '../text-input.js';

/** The console's forms for product content, validated at the edge (every text refuses NUL). */

const title = inputText().trim().min(1).max(200);
const webUrl = inputText()
  .trim()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'harus URL http:// atau https://');

/** Which product the content is for: a Lynk uuid or the exact title, as product rules match. */
export const contentProductForm = z.object({
  match: z.enum(['uuid', 'title']),
  value: inputText().trim().min(1).max(300),
  // Shown to buyers; the title (or uuid) when left empty.
  name: inputText().trim().max(200).default(''),
});
export type ContentProductForm = z.infer<typeof contentProductForm>;

/** Video, link or text; a file arrives through the upload form instead. */
export const contentItemForm = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('video'), title, url: webUrl }),
  z.object({ kind: z.literal('link'), title, url: webUrl }),
  z.object({ kind: z.literal('text'), title, body: inputText().max(50_000) }),
]);
export type ContentItemForm = z.infer<typeof contentItemForm>;

/** Changing an item: its title, and its URL or text where it has one (a file keeps its bytes). */
export const contentItemEdit = z.object({
  title,
  url: webUrl.optional(),
  body: inputText().max(50_000).optional(),
});

/** The title that travels beside an uploaded file (a multipart field). */
export const uploadTitle = inputText().trim().max(200);

/** What a download's file name may hold in a Content-Disposition header and on the page. */
export function cleanFileName(name: string): string {
  // Path parts some browsers send, control characters, and quotes that would end the header value.
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = [...base]
    .filter((ch) => {
      const code = ch.codePointAt(0) ?? 0;
      return code >= 0x20 && code !== 0x7f && ch !== '"';
    })
    .join('')
    .trim();
  return cleaned.slice(-200) || 'berkas';
}
