/**
 * Server-Sent Events framing (WHATWG HTML §9.2). `event` and `id` are single-line fields: a CR or
 * LF in them would let a value inject extra fields, so they are refused; `data` may span lines and
 * is split into one `data:` line per line.
 */
export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

const LINE_BREAK = /[\r\n]/;

export function formatSseMessage(message: SseMessage): string {
  let out = '';
  if (message.id !== undefined) {
    if (LINE_BREAK.test(message.id) || message.id.includes('\0'))
      throw new Error('SSE id must be one line without NUL');
    out += `id: ${message.id}\n`;
  }
  if (message.event !== undefined) {
    if (LINE_BREAK.test(message.event)) throw new Error('SSE event name must be one line');
    out += `event: ${message.event}\n`;
  }
  for (const line of message.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line: ignored by EventSource, keeps proxies and NAT tables from closing an idle stream. */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

export function formatSseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}

/** The headers of an event stream: no caching, no transformation, no proxy buffering (nginx). */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-store, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
} as const;
