import type { PDFDocument, PDFFont } from 'pdf-lib';

/** Who a stamped copy belongs to: printed on every page and written into the document's metadata. */
export interface BuyerStamp {
  name: string;
  email: string;
  /** Order number (or "-" for a member made by hand). */
  orderNo: string;
}

export type StampResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: 'encrypted' | 'unreadable' };

/**
 * pdf-lib is loaded on the first stamped download, not at start: its 170 modules cost about 0.4 s of
 * CPU, paid by every `gerbang` command and server start although only PDF downloads need it.
 */
const loadPdfLib = () => import('pdf-lib');

const MARGIN = 18; // points (a quarter inch)
const MAX_FONT_SIZE = 8;

/** The line every page carries. */
export function stampLine(buyer: BuyerStamp): string {
  const who = buyer.name.trim() ? `${buyer.name.trim()} <${buyer.email}>` : buyer.email;
  return `Dibeli oleh ${who} - Pesanan ${buyer.orderNo} - Jangan disebarkan`;
}

/**
 * The standard fonts speak WinAnsi only: a name in another script (or an emoji) would make pdf-lib
 * throw, so such characters become "?" rather than costing the buyer the file.
 */
function encodable(font: PDFFont, text: string): string {
  const known = new Set(font.getCharacterSet());
  return [...text.normalize('NFC')].map((ch) => (known.has(ch.codePointAt(0) ?? -1) ? ch : '?')).join('');
}

/**
 * The buyer's copy of a PDF: a small grey line at the foot of every page (inside its crop box,
 * shrunk to fit narrow pages) and the same words in the Subject and Keywords, where search tools
 * and "document properties" show them. An encrypted or broken PDF is not stamped (the caller
 * decides what to serve then); pdf-lib holds the whole document in memory, so callers bound the size.
 */
export async function stampPdf(original: Uint8Array, buyer: BuyerStamp): Promise<StampResult> {
  try {
    const { PDFDocument } = await loadPdfLib();
    const doc = await PDFDocument.load(original, { updateMetadata: false });
    // pdf-lib parses leniently: garbage after a %PDF header may load as a document without pages
    // (or without a catalog, which throws below), and saving that would hand the buyer an empty file.
    if (doc.getPageCount() === 0) return { ok: false, reason: 'unreadable' };
    return { ok: true, bytes: await stamped(doc, buyer) };
  } catch (error) {
    return { ok: false, reason: (error as Error).name === 'EncryptedPDFError' ? 'encrypted' : 'unreadable' };
  }
}

async function stamped(doc: PDFDocument, buyer: BuyerStamp): Promise<Uint8Array> {
  const { rgb, StandardFonts } = await loadPdfLib();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const line = encodable(font, stampLine(buyer));
  const unitWidth = font.widthOfTextAtSize(line, 1);
  for (const page of doc.getPages()) {
    const box = page.getCropBox();
    const size = Math.max(3, Math.min(MAX_FONT_SIZE, (box.width - 2 * MARGIN) / unitWidth));
    page.drawText(line, {
      x: box.x + MARGIN,
      y: box.y + MARGIN / 2 + 2,
      size,
      font,
      color: rgb(0.45, 0.45, 0.45),
      opacity: 0.85,
    });
  }
  doc.setSubject(stampLine(buyer));
  doc.setKeywords([`pembeli:${buyer.email}`, `pesanan:${buyer.orderNo}`, 'gerbang']);
  return doc.save();
}
