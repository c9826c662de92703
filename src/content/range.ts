/** Bytes `start..end` of a representation, both inclusive (RFC 9110 §14.1.2). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The one byte range a `Range` header asks for, against a representation of `size` bytes:
 * - `null`: serve the whole file (no header, a unit other than bytes, a malformed header, or
 *   several ranges — RFC 9110 lets a server ignore Range, and multipart/byteranges buys a
 *   download manager nothing here);
 * - `'unsatisfiable'`: 416 (the range starts past the end, or is an empty suffix);
 * - otherwise the range, its end clipped to the last byte.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (header === undefined) return null;
  const match = /^bytes=\s*(\d*)-(\d*)\s*$/i.exec(header);
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first.length > 15 || last.length > 15) return 'unsatisfiable'; // beyond any file we hold
  if (first === '') {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null; // invalid, so ignored (§14.1.1)
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Number(last);
  return { start, end: Math.min(end, size - 1) };
}

/**
 * Whether an `If-Range` validator still names what we would serve: a changed file (re-uploaded, or
 * this buyer's stamped copy made since) must go out whole, not as a piece of the old one.
 */
export function ifRangeHolds(header: string | undefined, etag: string): boolean {
  return header === undefined || header.trim() === etag;
}
