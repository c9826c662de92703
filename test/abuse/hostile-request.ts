import { createHash, createHmac } from 'node:crypto';
import { computeLynkSignature } from '../../src/webhooks/index.js';
import { lynkEnvelopeSchema } from '../../src/webhooks/lynk/payload.js';
import { HESDA_SECRET } from '../helpers/hesda.js';
import { MERCHANT_KEY } from '../helpers/world.js';
import type { BodySpec, CorpusEntry, SignatureDirective } from './corpus/index.js';
import type { RawHeaders } from './raw-http.js';
import { rawRequest } from './raw-http.js';

/** How a corpus entry (test/abuse/corpus/) becomes the exact bytes sent. */

/** Puts the seeded license key where an entry says `{{licenseKey}}` (it exists only once the world does). */
export function expandText(text: string, licenseKey: string): string {
  return text.replaceAll('{{licenseKey}}', licenseKey);
}

export function bodyBytes(spec: BodySpec | null, licenseKey: string): Buffer {
  if (spec === null) return Buffer.alloc(0);
  if ('json' in spec) return Buffer.from(expandText(JSON.stringify(spec.json), licenseKey));
  if ('text' in spec) return Buffer.from(expandText(spec.text, licenseKey));
  if ('base64' in spec) return Buffer.from(spec.base64, 'base64');
  if ('nest' in spec) {
    const n = spec.nest;
    return Buffer.from(
      `${n.prefix ?? ''}${n.open.repeat(n.depth)}${n.core}${n.close.repeat(n.depth)}${n.suffix ?? ''}`,
    );
  }
  const fill = Buffer.alloc(spec.bytes, spec.repeat);
  return Buffer.concat([Buffer.from(spec.prefix ?? ''), fill, Buffer.from(spec.suffix ?? '')]);
}

/** The signature a sender holding the key would put on these bytes. */
function genuineSignature(scheme: 'lynk' | 'hesda', bytes: Buffer, key: string): string {
  if (scheme === 'hesda') return createHmac('sha256', key).update(bytes).digest('hex');
  // Not an envelope: a sender can only sign the empty base (every signed field absent).
  const envelope = lynkEnvelopeSchema.safeParse(JSON.parse(bytes.toString('utf8')));
  return computeLynkSignature(envelope.success ? envelope.data : {}, key);
}

const SIGNATURE_HEADER = { lynk: 'x-lynk-signature', hesda: 'x-hesda-signature' } as const;
const KEYS = { lynk: MERCHANT_KEY, hesda: HESDA_SECRET } as const;

/** The signature header(s) an entry's `signature` directive asks for (absent: the genuine one). */
function signatureHeaders(entry: CorpusEntry, bytes: Buffer, licenseKey: string): RawHeaders {
  if (!entry.sign) return {};
  const scheme = entry.sign;
  const name = SIGNATURE_HEADER[scheme];
  const over = entry.signOver ? bodyBytes(entry.signOver, licenseKey) : bytes;
  const good = genuineSignature(scheme, over, KEYS[scheme]);
  const other = (key: string) => genuineSignature(scheme, over, key);
  const odd = name.replace(/[a-z]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c));
  const directives: Record<SignatureDirective, RawHeaders> = {
    valid: { [name]: good },
    'of-other-body': { [name]: good },
    missing: {},
    empty: { [name]: '' },
    blank: { [name]: '   ' },
    doubled: { [name]: [good, good] },
    'doubled-wrong-first': { [name]: ['0'.repeat(64), good] },
    truncated: { [name]: good.slice(0, 63) },
    'too-long': { [name]: good + 'a'.repeat(8000) },
    'non-hex': { [name]: 'zz'.repeat(32) },
    unicode: { [name]: 'é☃'.repeat(32) },
    'wrong-key': { [name]: other('not-the-merchant-key') },
    'key-wrong-case': { [name]: other(KEYS[scheme].toUpperCase()) },
    prefixed: { [name]: `sha256=${good}` },
    base64: { [name]: Buffer.from(good, 'hex').toString('base64') },
    'header-wrong-name': { [`${name}s`]: good },
    'upper-hex': { [name]: good.toUpperCase() },
    'header-odd-case': { [odd]: good },
    'header-too-large': { [name]: good + 'a'.repeat(20_000) },
    // A NUL inside a header value: refused by the HTTP parser before any route.
    'nul-byte': { [name]: `${good.slice(0, 32)}\u0000${good.slice(32)}` },
    'body-changed': { [name]: createHash('sha256').update(bytes).digest('hex') },
  };
  return directives[entry.signature ?? 'valid'];
}

/** What a browser's CSRF pair is: the signed cookie and the token the page carried. */
export interface CsrfPair {
  cookie: string;
  token: string;
}

function csrfHeaders(entry: CorpusEntry, csrf: CsrfPair): RawHeaders {
  switch (entry.csrf ?? 'none') {
    case 'none':
      return {};
    case 'valid':
      return { cookie: csrf.cookie, 'x-csrf-token': csrf.token };
    case 'forged':
      return { cookie: csrf.cookie, 'x-csrf-token': `${csrf.token.slice(0, -4)}AAAA` };
    case 'doubled':
      return { cookie: csrf.cookie, 'x-csrf-token': [csrf.token, csrf.token] };
    case 'cookie-only':
      return { cookie: csrf.cookie };
  }
}

function contentLengthLines(entry: CorpusEntry, length: number): string[] | null {
  if (entry.contentLength === undefined) return null;
  switch (entry.contentLength) {
    case 'longer':
      return [String(length + 50)];
    case 'shorter':
      return [String(Math.max(1, length - 5))];
    case 'non-numeric':
      return ['abc'];
    case 'negative':
      return ['-5'];
    case 'doubled-different':
      return [String(length), String(length + 1)];
    case 'with-chunked':
      return [String(length)];
  }
}

export function requestBytes(entry: CorpusEntry, licenseKey: string, csrf: CsrfPair): Buffer {
  const body = bodyBytes(entry.body, licenseKey);
  const headers: RawHeaders = {
    ...entry.headers,
    ...signatureHeaders(entry, body, licenseKey),
    ...csrfHeaders(entry, csrf),
    ...(entry.contentLength === 'with-chunked' ? { 'transfer-encoding': 'chunked' } : {}),
  };
  return rawRequest(entry.method, entry.path, headers, body, contentLengthLines(entry, body.length));
}
