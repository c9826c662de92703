import { connect } from 'node:net';

/**
 * HTTP/1.1 over a bare loopback socket, for requests fetch and node:http refuse to send: invalid
 * UTF-8 in a body, a header line twice, a Content-Length that lies, both Content-Length and
 * Transfer-Encoding. The request is written as given and the first response is read until the
 * server closes (every request says `connection: close`). Only a body promised longer than sent
 * closes the write side after it, since Node aborts a request whose client half-closed.
 */

export interface RawResponse {
  /** 0 when the server closed without answering. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One header line each; a header given as an array is written once per value. */
export type RawHeaders = Record<string, string | string[]>;

export function rawRequest(
  method: string,
  path: string,
  headers: RawHeaders,
  body: Buffer,
  contentLength: string[] | null,
): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close'];
  for (const [name, value] of Object.entries(headers)) for (const v of [value].flat()) lines.push(`${name}: ${v}`);
  for (const v of contentLength ?? [String(body.length)]) lines.push(`content-length: ${v}`);
  // Header bytes go out as UTF-8: a "unicode" signature reaches the server as the bytes a client sent.
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), body]);
}

export function sendRaw(port: number, request: Buffer, halfClose: boolean, timeoutMs = 15_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const { complete: _complete, ...response } = parseFirstResponse(Buffer.concat(chunks));
      resolve(response);
    };
    const timer = setTimeout(() => {
      settled = true;
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // Done at the end of the first answer: a server refusing a 10 MB upload need not read it all.
      if (parseFirstResponse(Buffer.concat(chunks)).complete) {
        finish();
        socket.destroy();
      }
    });
    // A server that refuses a 10 MB body mid-upload resets the socket: what it answered still counts.
    socket.on('error', finish);
    socket.on('close', finish);
    // Written in slices, as a client uploads: once the server has answered (a 413 for a 10 MB body
    // comes after its first megabyte) the rest is not sent.
    const SLICE = 64 * 1024;
    const writeFrom = (at: number): void => {
      let next = at;
      while (next < request.length && !settled) {
        const ok = socket.write(request.subarray(next, next + SLICE));
        next += SLICE;
        if (!ok) {
          socket.once('drain', () => writeFrom(next));
          return;
        }
      }
      if (halfClose && !settled) socket.end();
    };
    writeFrom(0);
  });
}

function parseFirstResponse(bytes: Buffer): RawResponse & { complete: boolean } {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd < 0) return { status: 0, headers: {}, body: Buffer.alloc(0), complete: false };
  const [statusLine = '', ...headerLines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(headEnd + 4);
  const length = headers['content-length'];
  if (length !== undefined)
    return { status, headers, body: rest.subarray(0, Number(length)), complete: rest.length >= Number(length) };
  // Chunked or close-delimited: complete only when the server closes.
  if (headers['transfer-encoding']?.includes('chunked'))
    return { status, headers, body: dechunk(rest), complete: false };
  return { status, headers, body: rest, complete: false };
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (!size) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
