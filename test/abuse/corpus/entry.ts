/**
 * The hostile-input corpus: what an entry is, and the pieces every target's module builds from. Each
 * target's entries are generated when its module loads (test/abuse/corpus/<target>.ts); huge bodies
 * are generated too, never stored, and 10 MB ones are described (`repeat`, `nest`) and written only
 * when the request is sent.
 */

export type Target = 'lynk' | 'hesda' | 'login' | 'license';

/** A body: JSON to serialise, text, raw bytes (base64, e.g. invalid UTF-8), or a generator directive. */
export type BodySpec =
  | { json: unknown }
  | { text: string }
  | { base64: string }
  | { nest: { depth: number; open: string; close: string; core: string; prefix?: string; suffix?: string } }
  | { repeat: string; bytes: number; prefix?: string; suffix?: string };

/** A text an accepted entry must have stored byte for byte (read back from `table`). */
export interface StoredText {
  table: string;
  match: Record<string, string>;
  column: string;
  text: string;
  latest?: boolean;
}

export interface Expectation {
  status: number;
  code?: string;
  body: 'error' | 'hesda-error' | 'ok' | 'verdict' | 'html';
  /** Webhooks: the one new webhook_events row and its outcome; null: none may appear. */
  event?: 'rejected' | 'failed' | 'ignored' | 'processed' | null;
  /** Tables besides the bookkeeping ones that this (accepted) entry must change. */
  writes?: string[];
  /** Tables it may change, or not (a buyer's account is made only for an address seen first). */
  mayWrite?: string[];
  literal?: StoredText[];
}

/** How the signature header is made (absent: the genuine one over the body sent). */
export type SignatureDirective =
  | 'valid'
  | 'of-other-body'
  | 'missing'
  | 'empty'
  | 'blank'
  | 'doubled'
  | 'doubled-wrong-first'
  | 'truncated'
  | 'too-long'
  | 'non-hex'
  | 'unicode'
  | 'wrong-key'
  | 'key-wrong-case'
  | 'prefixed'
  | 'base64'
  | 'header-wrong-name'
  | 'upper-hex'
  | 'header-odd-case'
  | 'header-too-large'
  | 'nul-byte'
  | 'body-changed';

export type ContentLengthLie = 'longer' | 'shorter' | 'non-numeric' | 'negative' | 'doubled-different' | 'with-chunked';

export interface CorpusEntry {
  /** `<target>/<category>/<n>`. */
  id: string;
  target: Target;
  category: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: BodySpec | null;
  sign?: 'lynk' | 'hesda';
  signature?: SignatureDirective;
  /** The body the signature is made over, when not the one sent. */
  signOver?: BodySpec;
  csrf?: 'valid' | 'none' | 'forged' | 'doubled' | 'cookie-only';
  contentLength?: ContentLengthLie;
  /** A PPOB transaction with this Hesda id is stored (pending) before the entry is sent. */
  seedPpob?: string;
  expect: Expectation;
}

/** What a target's module writes for one entry; the section fills in id, target and the defaults. */
export type EntryInput = Omit<CorpusEntry, 'id' | 'target' | 'category' | 'method' | 'headers'> &
  Partial<Pick<CorpusEntry, 'method' | 'headers'>>;

/** A target's entries, numbered per category in the order they are added. */
export function corpusSection(target: Target, defaults: { path?: string; headers?: CorpusEntry['headers'] } = {}) {
  const entries: CorpusEntry[] = [];
  const counters = new Map<string, number>();
  const add = (category: string, input: Omit<EntryInput, 'path'> & { path?: string }): void => {
    const n = (counters.get(category) ?? 0) + 1;
    counters.set(category, n);
    const path = input.path ?? defaults.path;
    if (path === undefined) throw new Error(`${target}/${category}/${n}: no path`);
    entries.push({
      id: `${target}/${category}/${n}`,
      target,
      category,
      method: 'POST',
      ...input,
      headers: input.headers ?? defaults.headers ?? {},
      path,
    });
  };
  return { entries, add };
}

export const JSON_CT = { 'content-type': 'application/json' };
export const FORM_CT = { 'content-type': 'application/x-www-form-urlencoded' };

export const SQL = [
  "' OR '1'='1",
  "'; DROP TABLE members; --",
  '" OR ""="',
  "1; DELETE FROM licenses WHERE '1'='1",
  "x' UNION SELECT password_hash FROM members --",
  "\\'; UPDATE orders SET grand_total=0; --",
];
export const HTML = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "<svg/onload=fetch('//evil')>",
  '</textarea><iframe src=javascript:alert(1)>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, meant literally
  '{{7*7}}${7*7}<%= 7*7 %>',
  '&lt;b&gt;&amp;&#x3C;',
];
export const HOSTILE = [...SQL, ...HTML];
export const hostileCategory = (value: string) => (SQL.includes(value) ? 'sql-in-strings' : 'html-in-strings');
export const WRONG_TYPES: unknown[] = [null, true, 0, -1, 1.5e308, [], ['a'], {}, { $ne: null }, '', 'xxx'];

/** JSON.stringify drops a literal __proto__ key, so pollution bodies are written as text. */
export const protoText = (inner: string) => `{"__proto__":{"polluted":"yes"},${inner}}`;

/** The answer a refused request gets: a status and its error code. */
export const refused = (status: number, code: string): Expectation => ({ status, code, body: 'error' });

/** Raw bytes with `hex` in place of the first `@@` (or `@`, `width` 1) of `text`: invalid UTF-8 inside valid JSON. */
export function withBytes(text: string, hex: string, width = 2): string {
  const bytes = Buffer.from(text);
  const at = bytes.indexOf('@@');
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(hex, 'hex'), bytes.subarray(at + width)]).toString('base64');
}

/** The 10 MB of the body-limit entries. */
export const TEN_MB = 10485760;
