import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { computeLynkSignature } from '../../src/webhooks/index.js';
import { lynkEnvelopeSchema } from '../../src/webhooks/lynk/payload.js';
import { HESDA_SECRET } from '../helpers/hesda.js';
import { MERCHANT_KEY } from '../helpers/world.js';
import type { RawHeaders } from './raw-http.js';
import { rawRequest } from './raw-http.js';

/**
 * The hostile-input corpus (test/abuse/corpus/hostile-requests.jsonl, written by
 * scripts/write-hostile-corpus.mjs): its entry shape, and how an entry becomes the exact bytes sent.
 */

const bodySpec = z.union([
  z.object({ json: z.unknown() }),
  z.object({ text: z.string() }),
  z.object({ base64: z.string() }),
  z.object({
    nest: z.object({
      depth: z.number().int(),
      open: z.string(),
      close: z.string(),
      core: z.string(),
      prefix: z.string().optional(),
      suffix: z.string().optional(),
    }),
  }),
  z.object({
    repeat: z.string(),
    bytes: z.number().int(),
    prefix: z.string().optional(),
    suffix: z.string().optional(),
  }),
]);
export type BodySpec = z.infer<typeof bodySpec>;

const literal = z.object({
  table: z.string(),
  match: z.record(z.string(), z.string()),
  column: z.string(),
  text: z.string(),
  latest: z.boolean().optional(),
});

export const corpusEntrySchema = z.object({
  id: z.string(),
  target: z.enum(['lynk', 'hesda', 'login', 'license']),
  category: z.string(),
  method: z.string(),
  path: z.string(),
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  body: bodySpec.nullable(),
  sign: z.enum(['lynk', 'hesda']).optional(),
  signature: z.string().optional(),
  signOver: bodySpec.optional(),
  csrf: z.enum(['valid', 'none', 'forged', 'doubled', 'cookie-only']).optional(),
  contentLength: z
    .enum(['longer', 'shorter', 'non-numeric', 'negative', 'doubled-different', 'with-chunked'])
    .optional(),
  seedPpob: z.string().optional(),
  expect: z.object({
    status: z.number().int(),
    code: z.string().optional(),
    body: z.enum(['error', 'hesda-error', 'ok', 'verdict', 'html']),
    /** Webhooks: the one new webhook_events row and its outcome; null: none may appear. */
    event: z.enum(['rejected', 'failed', 'ignored', 'processed']).nullable().optional(),
    /** Tables besides the bookkeeping ones that this (accepted) entry must change. */
    writes: z.array(z.string()).optional(),
    literal: z.array(literal).optional(),
  }),
});
export type CorpusEntry = z.infer<typeof corpusEntrySchema>;

export function loadCorpus(): CorpusEntry[] {
  const file = new URL('./corpus/hostile-requests.jsonl', import.meta.url);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => corpusEntrySchema.parse(JSON.parse(line)));
}

/** Expands `{{repeat:N:unit}}` (huge strings described, not stored) and the seeded license key. */
export function expandText(text: string, licenseKey: string): string {
  return text
    .replace(/\{\{repeat:(\d+):(.*?)\}\}/g, (_all, n: string, unit: string) => unit.repeat(Number(n)))
    .replaceAll('{{licenseKey}}', licenseKey);
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
  const directives: Record<string, RawHeaders> = {
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
  const chosen = directives[entry.signature ?? 'valid'];
  if (!chosen) throw new Error(`unknown signature directive ${entry.signature}`);
  return chosen;
}

/** What a browser's CSRF pair is: the signed cookie and the token the page carried. */
export interface CsrfPair {
  cookie: string;
  token: string;
}

function csrfHeaders(entry: CorpusEntry, csrf: CsrfPair): RawHeaders {
  switch (entry.csrf) {
    case undefined:
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
  switch (entry.contentLength) {
    case undefined:
      return null;
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
