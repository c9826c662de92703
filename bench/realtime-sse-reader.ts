import { StringDecoder } from 'node:string_decoder';

/**
 * The two layers under an event stream read from a raw socket: HTTP/1.1 chunked transfer coding
 * (Node chunks a response that has no content-length) and the Server-Sent Events framing. Small and
 * incremental, so ten thousand streams cost the bench little; a frame is complete at its blank line.
 */

/** One SSE frame: fields by name, comment lines separately (heartbeats are comments). */
export interface SseFrame {
  id: string | undefined;
  event: string | undefined;
  data: string[];
  comments: string[];
}

/** Decodes chunked transfer coding (RFC 9112 §7.1). Chunk extensions and trailers are skipped. */
export class ChunkedDecoder {
  private sizeLine = '';
  private remaining = 0;
  private phase: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private crlfLeft = 0;

  /** Hands each piece of body to `onData`; returns true once the last (zero-size) chunk was read. */
  push(bytes: Buffer, onData: (body: Buffer) => void): boolean {
    let at = 0;
    while (at < bytes.length) {
      if (this.phase === 'size') {
        const newline = bytes.indexOf(0x0a, at);
        if (newline === -1) {
          this.sizeLine += bytes.toString('latin1', at);
          return false;
        }
        this.sizeLine += bytes.toString('latin1', at, newline);
        at = newline + 1;
        const size = Number.parseInt(this.sizeLine.split(';')[0]?.trim() ?? '', 16);
        this.sizeLine = '';
        if (!Number.isFinite(size) || size < 0) throw new Error('malformed chunk size');
        if (size === 0) {
          this.phase = 'trailer';
          return true;
        }
        this.remaining = size;
        this.phase = 'data';
      } else if (this.phase === 'data') {
        const take = Math.min(this.remaining, bytes.length - at);
        onData(bytes.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) {
          this.phase = 'crlf';
          this.crlfLeft = 2;
        }
      } else if (this.phase === 'crlf') {
        at += 1;
        this.crlfLeft -= 1;
        if (this.crlfLeft === 0) this.phase = 'size';
      } else {
        return true;
      }
    }
    return this.phase === 'trailer';
  }
}

/** Splits the event-stream text into frames (WHATWG HTML §9.2.6). */
export class SseReader {
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');

  push(bytes: Buffer, onFrame: (frame: SseFrame) => void): void {
    this.pending += this.decoder.write(bytes);
    for (;;) {
      const end = this.pending.indexOf('\n\n');
      if (end === -1) return;
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      onFrame(parseFrame(block));
    }
  }
}

export function parseFrame(block: string): SseFrame {
  const frame: SseFrame = { id: undefined, event: undefined, data: [], comments: [] };
  for (const raw of block.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith(':')) {
      frame.comments.push(line.slice(1).trimStart());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') frame.data.push(value);
  }
  return frame;
}
