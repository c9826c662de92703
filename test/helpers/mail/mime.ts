/**
 * Just enough RFC 5322 / MIME reading for the mails nodemailer builds from our outbox: top-level
 * headers, one multipart/alternative level (text/plain + text/html), and the 7bit,
 * quoted-printable and base64 transfer encodings. Not a general mail parser.
 */
export interface ReceivedMail {
  /** The SMTP envelope (MAIL FROM / RCPT TO), which is what really routes the mail. */
  envelope: { from: string; to: string[] };
  raw: string;
  /** Header values by lower-case name, unfolded. */
  headers: Map<string, string>;
  subject: string;
  text: string;
  html: string;
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

export function parseReceivedMail(raw: string, envelope: { from: string; to: string[] }): ReceivedMail {
  const top = splitPart(raw);
  const contentType = top.headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  const parts = boundary ? splitMultipart(top.body, boundary) : [top];
  const bodyOf = (type: string) => {
    const part = parts.find((p) => (p.headers.get('content-type') ?? 'text/plain').toLowerCase().startsWith(type));
    return part ? decodeBody(part) : '';
  };
  return {
    envelope,
    raw,
    headers: top.headers,
    subject: decodeEncodedWords(top.headers.get('subject') ?? ''),
    text: bodyOf('text/plain'),
    html: bodyOf('text/html'),
  };
}

function splitPart(source: string): Part {
  const end = source.indexOf('\r\n\r\n');
  const head = end === -1 ? source : source.slice(0, end);
  const body = end === -1 ? '' : source.slice(end + 4);
  const headers = new Map<string, string>();
  // RFC 5322 §2.2.3: a folded header continues on lines starting with white space.
  for (const line of head.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function splitMultipart(body: string, boundary: string): Part[] {
  const closing = body.indexOf(`\r\n--${boundary}--`);
  const inside = closing === -1 ? body : body.slice(0, closing);
  return inside
    .split(`--${boundary}\r\n`)
    .slice(1)
    .map((chunk) => splitPart(chunk.replace(/\r\n$/, '')));
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const decoded =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(part.body)
      : encoding === 'base64'
        ? Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : part.body;
  return decoded.replace(/\r\n/g, '\n');
}

/** RFC 2045 §6.7: "=" + CRLF is a soft line break, "=XX" one byte of the UTF-8 text. */
export function decodeQuotedPrintable(body: string): string {
  const joined = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words ("=?UTF-8?Q?...?="), which nodemailer uses for non-ASCII headers. */
function decodeEncodedWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}
