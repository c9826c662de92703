// Writes test/abuse/corpus/hostile-requests.jsonl: the hostile-input corpus of issue 8 (part 3).
// The corpus file is committed and is what test/abuse/hostile-input.test.ts reads; this script only
// documents how it was made (`node scripts/write-hostile-corpus.mjs` rewrites it deterministically).
//
// One JSON object a line: { id, target, category, method, path, headers, body, sign?, signature?,
// csrf?, contentLength?, seedPpob?, expect }. Bodies: {json}, {text}, {base64} (raw bytes, e.g.
// invalid UTF-8), {nest:{depth,open,close,core}} and {repeat,bytes,prefix?,suffix?} (generator
// directives so 10,000-level and 10 MB bodies are described, not stored), or null (no body).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'abuse', 'corpus', 'hostile-requests.jsonl');
const entries = [];
const counters = new Map();
function add(target, category, entry) {
  const n = (counters.get(`${target}/${category}`) ?? 0) + 1;
  counters.set(`${target}/${category}`, n);
  entries.push({ id: `${target}/${category}/${n}`, target, category, method: 'POST', headers: {}, ...entry });
}

// A huge string inside a body, described rather than stored: the runner expands it before sending.
const big = (unit, n) => `{{repeat:${n}:${unit}}}`;
const JSON_CT = { 'content-type': 'application/json' };
const FORM_CT = { 'content-type': 'application/x-www-form-urlencoded' };
const SQL = [
  "' OR '1'='1",
  "'; DROP TABLE members; --",
  '" OR ""="',
  "1; DELETE FROM licenses WHERE '1'='1",
  "x' UNION SELECT password_hash FROM members --",
  "\\'; UPDATE orders SET grand_total=0; --",
];
const HTML = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "<svg/onload=fetch('//evil')>",
  '</textarea><iframe src=javascript:alert(1)>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, meant literally
  '{{7*7}}${7*7}<%= 7*7 %>',
  '&lt;b&gt;&amp;&#x3C;',
];
const HOSTILE = [...SQL, ...HTML];
const WRONG_TYPES = [null, true, 0, -1, 1.5e308, [], ['a'], {}, { $ne: null }, '', 'x'.repeat(3)];
// JSON.stringify drops a literal __proto__ key, so pollution bodies are written as text.
const protoText = (inner) => `{"__proto__":{"polluted":"yes"},${inner}}`;

// ---------- Lynk: POST /webhook/lynk (signature = sha256(grandTotal + refId + message_id + key)) ----------
let ref = 0;
function lynkPayment(overrides = {}) {
  ref += 1;
  const refId = overrides.refId ?? `abuse-ref-${String(ref).padStart(4, '0')}`;
  const customer = { email: 'pembeli@example.com', name: 'Budi', phone: '081234567890', ...overrides.customer };
  const item = { title: 'E-book Ekspor', uuid: 'prod-ebook', qty: 1, price: 72000, ...overrides.item };
  return {
    event: overrides.event ?? 'payment.received',
    data: {
      message_action: overrides.action ?? 'SUCCESS',
      message_id: overrides.messageId ?? `ABUSE_${refId}`,
      message_data: {
        refId,
        createdAt: overrides.createdAt ?? '2026-11-23T12:00:00',
        customer,
        items: overrides.items ?? [item],
        totals: { grandTotal: overrides.grandTotal ?? 72000 },
      },
    },
  };
}
const lynk = (category, entry) => add('lynk', category, { path: '/webhook/lynk', headers: JSON_CT, ...entry });
const rejectedLynk = (status, code) => ({ status, code, body: 'error', event: 'rejected' });
/** A genuinely signed payment: processed, writing its order, licenses and mail; `literal` read back. */
const processedLynk = (...literal) => ({
  status: 200,
  body: 'ok',
  event: 'processed',
  writes: ['orders', 'licenses', 'mail_outbox'],
  ...(literal.length > 0 ? { literal } : {}),
});
/** The text an accepted payment must have stored, byte for byte, in its order row. */
const orderText = (payment, column, text) => ({
  table: 'orders',
  match: { external_ref: payment.data.message_data.refId },
  column,
  text,
});

// Truncated JSON: every cut of a real payment is refused before anything is trusted.
const whole = JSON.stringify(lynkPayment());
for (const cut of [1, 2, 10, 40, 80, 120, 200, whole.length - 1])
  lynk('truncated-json', { body: { text: whole.slice(0, cut) }, expect: rejectedLynk(400, 'INVALID_JSON') });
lynk('truncated-json', {
  body: { text: '{"event":"payment.received","data":{"message_id":"\\u00' },
  expect: rejectedLynk(400, 'INVALID_JSON'),
});
// Deeply nested: 10,000 levels as the whole body (fewer where 10,000 would pass the webhooks'
// 64 KiB limit), and inside a signed field.
lynk('deep-nesting', {
  body: { nest: { depth: 10000, open: '[', close: ']', core: '' } },
  expect: rejectedLynk(400, 'INVALID_PAYLOAD'),
});
lynk('deep-nesting', {
  body: { nest: { depth: 10000, open: '{"a":', close: '}', core: '1' } },
  expect: rejectedLynk(401, 'MISSING_SIGNATURE'),
});
lynk('deep-nesting', {
  body: { nest: { depth: 6000, open: '{"data":', close: '}', core: '{}' } },
  expect: rejectedLynk(401, 'MISSING_SIGNATURE'),
});
lynk('deep-nesting', {
  body: {
    nest: {
      depth: 10000,
      open: '[',
      close: ']',
      core: '1',
      prefix:
        '{"event":"payment.received","data":{"message_id":"n1","message_data":{"refId":"n1","totals":{"grandTotal":',
      suffix: '}}}}',
    },
  },
  expect: rejectedLynk(400, 'INVALID_PAYLOAD'),
});
lynk('deep-nesting', {
  body: {
    nest: {
      depth: 10000,
      open: '{"x":',
      close: '}',
      core: '1',
      prefix: `${JSON.stringify(lynkPayment()).slice(0, -2)},"extra":`,
      suffix: '}}',
    },
  },
  sign: 'lynk',
  expect: processedLynk(),
});
// Wrong types in every field: unsigned they never get past the signature; signed they are stored as
// failed (replayable), never processed into rows.
const lynkFields = [
  [
    'event',
    (p, v) => {
      p.event = v;
    },
  ],
  [
    'data',
    (p, v) => {
      p.data = v;
    },
  ],
  [
    'message_action',
    (p, v) => {
      p.data.message_action = v;
    },
  ],
  [
    'message_data',
    (p, v) => {
      p.data.message_data = v;
    },
  ],
  [
    'customer',
    (p, v) => {
      p.data.message_data.customer = v;
    },
  ],
  [
    'email',
    (p, v) => {
      p.data.message_data.customer.email = v;
    },
  ],
  [
    'name',
    (p, v) => {
      p.data.message_data.customer.name = v;
    },
  ],
  [
    'items',
    (p, v) => {
      p.data.message_data.items = v;
    },
  ],
  [
    'item.title',
    (p, v) => {
      p.data.message_data.items[0].title = v;
    },
  ],
  [
    'item.qty',
    (p, v) => {
      p.data.message_data.items[0].qty = v;
    },
  ],
];
for (const [field, set] of lynkFields) {
  for (const value of [null, 42, ['x'], { a: 1 }]) {
    const p = lynkPayment();
    set(p, value);
    const topLevel = field === 'event' || field === 'data' || field === 'message_action' || field === 'message_data';
    // event/message_action of the wrong type mean "not a paid payment": stored as ignored.
    const outcome = field === 'event' || field === 'message_action' || field === 'data' ? 'ignored' : 'failed';
    const envelopeBreaks =
      (field === 'data' && value !== null && typeof value !== 'object') ||
      (field === 'data' && Array.isArray(value)) ||
      (field === 'data' && value === null) ||
      (field === 'message_data' && (value === null || typeof value !== 'object' || Array.isArray(value))) ||
      (field === 'event' && typeof value !== 'string') ||
      (field === 'message_action' && typeof value !== 'string');
    // A null or numeric name is "no name" / the number as text; 42 units is a real quantity.
    const stillValid = (field === 'name' && (value === null || value === 42)) || (field === 'item.qty' && value === 42);
    lynk('wrong-types', {
      body: { json: p },
      sign: 'lynk',
      expect: envelopeBreaks
        ? rejectedLynk(400, 'INVALID_PAYLOAD')
        : stillValid
          ? { status: 200, body: 'ok', event: 'processed', writes: ['orders', 'licenses', 'mail_outbox'] }
          : {
              status: 200,
              body: 'ok',
              event: topLevel && field !== 'message_data' ? outcome : 'failed',
              // An event without message_data is also counted as a dashboard "Test URL" post.
              ...(field === 'data' ? { writes: ['webhook_test_pings'] } : {}),
            },
    });
  }
}
for (const v of [null, true, { a: 1 }, [1]]) {
  const p = lynkPayment();
  p.data.message_data.totals.grandTotal = v;
  lynk('wrong-types', { body: { json: p }, sign: 'lynk', expect: rejectedLynk(400, 'INVALID_PAYLOAD') });
}
for (const v of ['not an object', 7, null, true])
  lynk('wrong-types', { body: { json: v }, expect: rejectedLynk(400, 'INVALID_PAYLOAD') });
// Huge strings, as huge as the webhooks' 64 KiB limit lets through (the 10mb-body entries test
// the limit): unsigned, and signed in the buyer's name (a signed payment is stored as sent).
lynk('huge-strings', {
  body: { json: { ...lynkPayment(), junk: big('x', 60_000) } },
  expect: rejectedLynk(401, 'MISSING_SIGNATURE'),
});
lynk('huge-strings', {
  body: { json: lynkPayment({ refId: 'r'.repeat(5000) }) },
  signature: 'wrong-key',
  sign: 'lynk',
  expect: rejectedLynk(401, 'INVALID_SIGNATURE'),
});
lynk('huge-strings', {
  body: { json: lynkPayment({ item: { title: big('t', 60_000) } }) },
  sign: 'lynk',
  expect: { status: 200, body: 'ok', event: 'failed' },
});
lynk('huge-strings', {
  body: { json: lynkPayment({ customer: { email: `${'e'.repeat(300)}@example.com` } }) },
  sign: 'lynk',
  expect: { status: 200, body: 'ok', event: 'failed' },
});
{
  const name = `Budi ${'panjang '.repeat(2000)}`;
  const p = lynkPayment({ customer: { name } });
  lynk('huge-strings', {
    body: { json: p },
    sign: 'lynk',
    expect: processedLynk(orderText(p, 'customer_name', name.trim())),
  });
}
// Invalid UTF-8: JSON text must be UTF-8 (RFC 8259 §8.1); the raw body is stored as received or not at all.
const payJson = JSON.stringify(lynkPayment({ customer: { name: 'NAMA' } }));
for (const bytes of ['ff', 'c3', 'c028', 'e28228', 'f0288cbc', 'eda080', 'f8a1a1a1a1']) {
  const b = Buffer.from(payJson.replace('NAMA', '@@'));
  const at = b.indexOf('@@');
  const bad = Buffer.concat([b.subarray(0, at), Buffer.from(bytes, 'hex'), b.subarray(at + 2)]);
  lynk('invalid-utf8', {
    body: { base64: bad.toString('base64') },
    sign: 'lynk',
    expect: rejectedLynk(400, 'INVALID_JSON'),
  });
}
lynk('invalid-utf8', {
  body: { base64: Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString('base64') },
  expect: rejectedLynk(400, 'INVALID_JSON'),
});
lynk('invalid-utf8', {
  body: { base64: Buffer.from('{"event":"\0"}').toString('base64') },
  expect: rejectedLynk(400, 'INVALID_JSON'),
});
// Duplicate keys: JSON.parse keeps the last; the signature is over what is parsed, so a second refId
// cannot smuggle a different payment past a signature made for the first.
{
  const p = lynkPayment();
  const text = JSON.stringify(p).replace('"refId":', '"refId":"smuggled","refId":');
  const innocent = JSON.parse(JSON.stringify(p));
  innocent.data.message_data.refId = 'smuggled';
  lynk('duplicate-keys', {
    body: { text },
    sign: 'lynk',
    signature: 'of-other-body',
    signOver: { json: innocent },
    expect: rejectedLynk(401, 'INVALID_SIGNATURE'),
  });
  const t2 = JSON.stringify(lynkPayment()).replace('"event":', '"event":"payment.refunded","event":');
  lynk('duplicate-keys', { body: { text: t2 }, expect: rejectedLynk(401, 'MISSING_SIGNATURE') });
  const t3 = JSON.stringify(lynkPayment()).replace('"grandTotal":', '"grandTotal":1,"grandTotal":');
  lynk('duplicate-keys', {
    body: { text: t3 },
    signature: 'wrong-key',
    sign: 'lynk',
    expect: rejectedLynk(401, 'INVALID_SIGNATURE'),
  });
  const p4 = lynkPayment();
  const t4 = JSON.stringify(p4).replace('"customer":', '"customer":{"email":"other@example.com"},"customer":');
  lynk('duplicate-keys', {
    body: { text: t4 },
    sign: 'lynk',
    expect: processedLynk(orderText(p4, 'email', 'pembeli@example.com')),
  });
}
// Prototype pollution at every level, unsigned and signed.
const lynkLevels = [
  (inner) => protoText(`"event":"payment.received"${inner}`),
  (inner) => `{"event":"payment.received","data":${protoText(`"message_id":"pp"${inner}`)}}`,
  (inner) =>
    `{"event":"payment.received","data":{"message_id":"pp","message_data":${protoText(`"refId":"pp"${inner}`)}}}`,
];
// Unsigned and without message_data is what Lynk.id's "Test URL" button sends: answered 200,
// counted, nothing stored. With message_data, the missing signature is refused.
const dashboardTest = { status: 200, body: 'ok', writes: ['webhook_test_pings'] };
for (const [i, level] of lynkLevels.entries())
  lynk('prototype-pollution', {
    body: { text: level('') },
    expect: i < 2 ? dashboardTest : rejectedLynk(401, 'MISSING_SIGNATURE'),
  });
for (const [where, key] of [
  ['top', 'constructor'],
  ['data', 'prototype'],
  ['customer', '__proto__'],
  ['item', 'constructor'],
  ['totals', '__proto__'],
]) {
  const p = lynkPayment();
  const md = p.data.message_data;
  const holder = { top: p, data: p.data, customer: md.customer, item: md.items[0], totals: md.totals }[where];
  const text = JSON.stringify(p).replace(
    JSON.stringify(holder).slice(0, 12),
    `{"${key}":{"polluted":"yes","prototype":{"polluted":"yes"}},${JSON.stringify(holder).slice(1, 12)}`,
  );
  lynk('prototype-pollution', {
    body: { text },
    sign: 'lynk',
    expect: processedLynk(),
  });
}
// SQL and HTML in every string field of a signed payment: accepted and stored literally.
const lynkStringFields = ['name', 'phone', 'title', 'uuid', 'createdAt'];
HOSTILE.forEach((value, i) => {
  const field = lynkStringFields[i % lynkStringFields.length];
  const p =
    field === 'title' || field === 'uuid'
      ? lynkPayment({ item: { [field]: value } })
      : field === 'createdAt'
        ? lynkPayment({ createdAt: value })
        : lynkPayment({ customer: { [field]: value } });
  const refId = p.data.message_data.refId;
  const literal =
    field === 'title'
      ? { table: 'licenses', match: { lynk_ref_id: refId }, column: 'product_title', text: value.trim() }
      : field === 'uuid'
        ? { table: 'licenses', match: { lynk_ref_id: refId }, column: 'product_uuid', text: value.trim() }
        : field === 'createdAt'
          ? { table: 'orders', match: { external_ref: refId }, column: 'paid_at', text: value.trim() }
          : {
              table: 'orders',
              match: { external_ref: refId },
              column: field === 'name' ? 'customer_name' : 'phone',
              text: value.trim(),
            };
  lynk(SQL.includes(value) ? 'sql-in-strings' : 'html-in-strings', {
    body: { json: p },
    sign: 'lynk',
    expect: processedLynk(literal),
  });
});
// The buyer's address: an apostrophe is legal in one (RFC 5322), so SQL-looking addresses pass and
// are stored as sent (lowercased); event and message_action carrying SQL/HTML are "not a payment".
{
  const email = "O'Brien'--x@Example.com";
  const p = lynkPayment({ customer: { email } });
  lynk('sql-in-strings', {
    body: { json: p },
    sign: 'lynk',
    expect: processedLynk(orderText(p, 'email', email.toLowerCase())),
  });
  lynk('sql-in-strings', {
    body: { json: lynkPayment({ event: SQL[1] }) },
    sign: 'lynk',
    expect: { status: 200, body: 'ok', event: 'ignored' },
  });
  lynk('html-in-strings', {
    body: { json: lynkPayment({ action: HTML[0] }) },
    sign: 'lynk',
    expect: { status: 200, body: 'ok', event: 'ignored' },
  });
}
// Hostile text in the signed fields themselves, the refId and message id.
for (const value of [SQL[1], HTML[0], SQL[4]]) {
  const p = lynkPayment({ refId: value, messageId: `${value}-msg` });
  lynk(SQL.includes(value) ? 'sql-in-strings' : 'html-in-strings', {
    body: { json: p },
    sign: 'lynk',
    expect: processedLynk({ table: 'orders', match: { external_ref: value }, column: 'external_ref', text: value }),
  });
}
for (const value of HOSTILE)
  lynk(SQL.includes(value) ? 'sql-in-strings' : 'html-in-strings', {
    body: { json: lynkPayment({ customer: { name: value } }) },
    expect: rejectedLynk(401, 'MISSING_SIGNATURE'),
  });
// Signature headers: missing, doubled, empty, wrong case, too long, not hex, another key.
const sigCases = [
  ['missing', 401, 'MISSING_SIGNATURE'],
  ['empty', 401, 'MISSING_SIGNATURE'],
  ['blank', 401, 'MISSING_SIGNATURE'],
  ['doubled', 401, 'INVALID_SIGNATURE'],
  ['doubled-wrong-first', 401, 'INVALID_SIGNATURE'],
  ['truncated', 401, 'INVALID_SIGNATURE'],
  ['too-long', 401, 'INVALID_SIGNATURE'],
  ['non-hex', 401, 'INVALID_SIGNATURE'],
  ['unicode', 401, 'INVALID_SIGNATURE'],
  ['wrong-key', 401, 'INVALID_SIGNATURE'],
  ['key-wrong-case', 401, 'INVALID_SIGNATURE'],
  ['prefixed', 401, 'INVALID_SIGNATURE'],
  ['base64', 401, 'INVALID_SIGNATURE'],
  ['header-wrong-name', 401, 'MISSING_SIGNATURE'],
];
for (const [signature, status, code] of sigCases)
  lynk('signature-headers', {
    body: { json: lynkPayment() },
    sign: 'lynk',
    signature,
    expect: rejectedLynk(status, code),
  });
// Header names are case-insensitive (RFC 9110 §5.1) and hex is read case-insensitively: a genuine
// signature in odd case is still genuine. On a non-payment event it is stored as ignored.
lynk('signature-headers', {
  body: { json: lynkPayment({ event: 'payment.pending' }) },
  sign: 'lynk',
  signature: 'upper-hex',
  expect: { status: 200, body: 'ok', event: 'ignored' },
});
lynk('signature-headers', {
  body: { json: lynkPayment({ event: 'payment.pending' }) },
  sign: 'lynk',
  signature: 'header-odd-case',
  expect: { status: 200, body: 'ok', event: 'ignored' },
});
lynk('signature-headers', {
  body: { json: lynkPayment() },
  sign: 'lynk',
  signature: 'nul-byte',
  expect: { status: 400, code: 'BAD_REQUEST', body: 'error', event: null },
});
lynk('signature-headers', {
  body: { json: lynkPayment() },
  sign: 'lynk',
  signature: 'header-too-large',
  expect: { status: 431, code: 'HEADERS_TOO_LARGE', body: 'error', event: null },
});
// Content types: the body is read as raw bytes whatever the type, so each gets the same checks.
// A Content-Type that is not a media type at all is refused by Fastify before the route (415).
lynk('content-types', {
  headers: { 'content-type': ';;;' },
  body: { json: lynkPayment() },
  expect: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', body: 'error', event: null },
});
for (const type of [
  null,
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/xml',
  'application/json; charset=latin1',
])
  lynk('content-types', {
    headers: type ? { 'content-type': type } : {},
    body: { json: lynkPayment() },
    expect: rejectedLynk(401, 'MISSING_SIGNATURE'),
  });
lynk('content-types', {
  headers: FORM_CT,
  body: { text: 'event=payment.received&data[message_id]=x' },
  expect: rejectedLynk(400, 'INVALID_JSON'),
});
lynk('content-types', {
  headers: { 'content-type': 'multipart/form-data; boundary=X' },
  body: { text: '--X\r\nContent-Disposition: form-data; name="event"\r\n\r\npayment.received\r\n--X--\r\n' },
  expect: rejectedLynk(400, 'INVALID_JSON'),
});
// Empty bodies.
lynk('empty-body', { body: null, expect: rejectedLynk(400, 'INVALID_JSON') });
lynk('empty-body', { headers: {}, body: null, expect: rejectedLynk(400, 'INVALID_JSON') });
lynk('empty-body', { body: { text: '   ' }, expect: rejectedLynk(400, 'INVALID_JSON') });
lynk('empty-body', { body: { text: '{}' }, expect: rejectedLynk(401, 'MISSING_SIGNATURE') });
// Signed, but no signed field at all: that signature (sha256 of the key alone) fits every such body.
// The first one (wrong-types, `data` an object) was accepted; a signature serves one body only.
lynk('empty-body', { body: { text: '{}' }, sign: 'lynk', expect: rejectedLynk(409, 'SIGNATURE_REUSED') });
lynk('empty-body', { body: { text: 'null' }, expect: rejectedLynk(400, 'INVALID_PAYLOAD') });
// 10 MB bodies: refused by the body limit (413) before anything is read into the store.
lynk('10mb-body', {
  body: { repeat: 'a', bytes: 10485760 },
  expect: { status: 413, code: 'PAYLOAD_TOO_LARGE', body: 'error', event: null },
});
lynk('10mb-body', {
  body: { repeat: ' ', bytes: 10485760, prefix: '{"event":"payment.received","x":"', suffix: '"}' },
  expect: { status: 413, code: 'PAYLOAD_TOO_LARGE', body: 'error', event: null },
});
lynk('10mb-body', {
  body: { repeat: '[', bytes: 10485760 },
  expect: { status: 413, code: 'PAYLOAD_TOO_LARGE', body: 'error', event: null },
});
// Lying Content-Length.
for (const [lie, status, code, event] of [
  ['longer', 400, 'BAD_REQUEST', null],
  // The bytes past the declared length are a second, malformed request: the parser answers 400 at
  // once and drops the connection; the first request, complete at its length, is still refused
  // (truncated JSON) and stored as rejected.
  ['shorter', 400, 'BAD_REQUEST', 'rejected'],
  ['non-numeric', 400, 'BAD_REQUEST', null],
  ['negative', 400, 'BAD_REQUEST', null],
  ['doubled-different', 400, 'BAD_REQUEST', null],
  ['with-chunked', 400, 'BAD_REQUEST', null],
])
  lynk('lying-content-length', {
    body: { json: lynkPayment() },
    sign: 'lynk',
    contentLength: lie,
    expect: { status, code, body: 'error', event },
  });

// grandTotal is whole rupiah: a JSON integer or plain digits. Other spellings make the signed text say
// one amount and the order another, and give a captured signature more ways to be re-arranged.
for (const v of ['1e3', ' 100', '100abc', '0x10', '-5', '72000.5', '072000', '', -1, 1.5, 1e21]) {
  const p = lynkPayment({ grandTotal: v });
  lynk('wrong-types', { body: { json: p }, sign: 'lynk', expect: rejectedLynk(400, 'INVALID_PAYLOAD') });
}
// A captured delivery re-arranged: Lynk signs grandTotal + refId + message_id joined without
// separators, buyer and items unsigned. Characters moved between the signed fields keep the captured
// signature valid; once accepted, it serves that body only (the same bytes again are a repeat).
{
  const captured = lynkPayment({ refId: 'reuse-ref9abc', messageId: 'REUSE-1', grandTotal: '72000' });
  lynk('signature-reuse', { body: { json: captured }, sign: 'lynk', expect: processedLynk() });
  const thief = { email: 'penyerang@example.com', name: 'Penyerang', phone: '' };
  for (const [grandTotal, refId, messageId] of [
    ['7200', '0reuse-ref9abc', 'REUSE-1'],
    [72000, 'reuse-ref9ab', 'cREUSE-1'],
    ['72000', 'reuse-ref9abcREUSE-', '1'],
  ])
    lynk('signature-reuse', {
      body: { json: lynkPayment({ refId, messageId, grandTotal, customer: thief, item: { qty: 50 } }) },
      sign: 'lynk',
      expect: rejectedLynk(409, 'SIGNATURE_REUSED'),
    });
  lynk('signature-reuse', {
    body: { json: captured },
    sign: 'lynk',
    expect: { status: 200, body: 'ok', event: 'processed' },
  });
}

// ---------- Hesda: POST /webhooks/ppob (X-Hesda-Signature = hex HMAC-SHA256 of the raw body) ----------
const HESDA_HEADERS = { ...JSON_CT, 'x-hesda-event': 'transaction.update' };
let trx = 0;
function hesdaUpdate(overrides = {}) {
  trx += 1;
  return {
    transaction_id: `abuse-unknown-${trx}`,
    product_code: 'XXL5',
    product_name: 'XX 5.000',
    customer_no: '0895123456789',
    price: 6150,
    sn: '1234567890',
    status: 'success',
    message: 'Transaksi Berhasil',
    ...overrides,
  };
}
const hesda = (category, entry) => add('hesda', category, { path: '/webhooks/ppob', headers: HESDA_HEADERS, ...entry });
const rejectedHesda = (status, code) => ({ status, code, body: 'hesda-error', event: 'rejected' });
const signedHesda = (category, body, expect, extra = {}) => hesda(category, { body, sign: 'hesda', expect, ...extra });
// An update for an id we never ordered is kept (failed, UNKNOWN_TRANSACTION) for reconciliation.
const kept = (raw) => ({
  status: 200,
  body: 'ok',
  event: 'failed',
  ...(raw
    ? {
        literal: [
          {
            table: 'webhook_events',
            match: { provider: 'hesda', outcome: 'failed' },
            column: 'raw_body',
            text: raw,
            latest: true,
          },
        ],
      }
    : {}),
});

const hWhole = JSON.stringify(hesdaUpdate());
for (const cut of [1, 5, 30, 60, 100, hWhole.length - 1])
  signedHesda('truncated-json', { text: hWhole.slice(0, cut) }, rejectedHesda(400, 'INVALID_JSON'));
hesda('truncated-json', { body: { text: hWhole.slice(0, 50) }, expect: rejectedHesda(401, 'INVALID_SIGNATURE') });
signedHesda(
  'deep-nesting',
  { nest: { depth: 10000, open: '[', close: ']', core: '' } },
  rejectedHesda(400, 'INVALID_PAYLOAD'),
);
signedHesda(
  'deep-nesting',
  { nest: { depth: 10000, open: '{"a":', close: '}', core: 'null' } },
  rejectedHesda(400, 'INVALID_PAYLOAD'),
);
signedHesda(
  'deep-nesting',
  {
    nest: {
      depth: 5000,
      open: '{"status":',
      close: '}',
      core: '"success"',
      prefix: '{"transaction_id":"deep","x":',
      suffix: '}',
    },
  },
  rejectedHesda(400, 'INVALID_PAYLOAD'),
);
signedHesda(
  'deep-nesting',
  { nest: { depth: 10000, open: '[', close: ']', core: '1', prefix: `${hWhole.slice(0, -1)},"extra":`, suffix: '}' } },
  kept(null),
);
hesda('deep-nesting', {
  body: { nest: { depth: 10000, open: '[', close: ']', core: '' } },
  expect: rejectedHesda(401, 'INVALID_SIGNATURE'),
});
for (const field of ['transaction_id', 'status', 'sn', 'message', 'product_name', 'customer_no']) {
  for (const value of [null, true, ['x'], { a: 1 }, 12.5]) {
    const required = field === 'transaction_id' || field === 'status';
    // Numbers are written as text (Hesda sends some ids as numbers); a null optional field is "absent".
    const fine = !required && (value === null || typeof value === 'number');
    const fineRequired = field === 'transaction_id' && typeof value === 'number';
    signedHesda(
      'wrong-types',
      { json: hesdaUpdate({ [field]: value }) },
      fine || fineRequired ? kept(null) : rejectedHesda(400, 'INVALID_PAYLOAD'),
    );
  }
}
for (const v of ['"just a string"', '42', 'null', 'true', '[]'])
  signedHesda('wrong-types', { text: v }, rejectedHesda(400, 'INVALID_PAYLOAD'));
signedHesda('wrong-types', { json: hesdaUpdate({ status: 'SUCCESS' }) }, rejectedHesda(400, 'INVALID_PAYLOAD'));
signedHesda('wrong-types', { json: hesdaUpdate({ status: 'refunded' }) }, rejectedHesda(400, 'INVALID_PAYLOAD'));
signedHesda(
  'huge-strings',
  { json: hesdaUpdate({ transaction_id: 't'.repeat(300) }) },
  rejectedHesda(400, 'INVALID_PAYLOAD'),
);
signedHesda('huge-strings', { json: hesdaUpdate({ message: big('m', 60_000) }) }, kept(null));
hesda('huge-strings', {
  body: { json: hesdaUpdate({ sn: big('s', 60_000) }) },
  expect: rejectedHesda(401, 'INVALID_SIGNATURE'),
});
hesda('huge-strings', {
  body: { json: hesdaUpdate() },
  sign: 'hesda',
  signature: 'too-long',
  expect: rejectedHesda(401, 'INVALID_SIGNATURE'),
});
const hInvalid = Buffer.from(JSON.stringify(hesdaUpdate({ message: '@@' })));
for (const bytes of ['ff', 'c3', 'c028', 'eda080', 'f8a1a1a1a1']) {
  const at = hInvalid.indexOf('@@');
  const bad = Buffer.concat([hInvalid.subarray(0, at), Buffer.from(bytes, 'hex'), hInvalid.subarray(at + 2)]);
  signedHesda('invalid-utf8', { base64: bad.toString('base64') }, rejectedHesda(400, 'INVALID_JSON'));
}
hesda('invalid-utf8', {
  body: { base64: Buffer.from([0x7b, 0xc0, 0x80, 0x7d]).toString('base64') },
  expect: rejectedHesda(401, 'INVALID_SIGNATURE'),
});
signedHesda(
  'invalid-utf8',
  { base64: Buffer.from('{"transaction_id":"a\0b","status":"success"}').toString('base64') },
  rejectedHesda(400, 'INVALID_JSON'),
);
{
  const t = JSON.stringify(hesdaUpdate()).replace('"status":', '"status":"failed","status":');
  signedHesda('duplicate-keys', { text: t }, kept(t));
  const t2 = JSON.stringify(hesdaUpdate()).replace(
    '"transaction_id":',
    '"transaction_id":{"$gt":""},"transaction_id":',
  );
  signedHesda('duplicate-keys', { text: t2 }, kept(t2));
  const t3 = JSON.stringify(hesdaUpdate()).replace('"status":"success"', '"status":"success","status":7');
  signedHesda('duplicate-keys', { text: t3 }, rejectedHesda(400, 'INVALID_PAYLOAD'));
  hesda('duplicate-keys', { body: { text: t }, expect: rejectedHesda(401, 'INVALID_SIGNATURE') });
}
for (const key of ['__proto__', 'constructor', 'prototype']) {
  const inner = JSON.stringify(hesdaUpdate()).slice(1);
  const text = `{"${key}":{"polluted":"yes","status":"failed"},${inner}`;
  signedHesda('prototype-pollution', { text }, kept(text));
  const nested = JSON.stringify(hesdaUpdate()).replace('"price":6150', `"price":{"${key}":{"polluted":"yes"}}`);
  signedHesda('prototype-pollution', { text: nested }, kept(nested));
  hesda('prototype-pollution', { body: { text }, expect: rejectedHesda(401, 'INVALID_SIGNATURE') });
}
{
  const text = JSON.stringify(hesdaUpdate()).replace(
    '"sn":',
    '"__proto__":{"sn":"x"},"constructor":{"prototype":{"status":"success"}},"sn":',
  );
  signedHesda('prototype-pollution', { text }, kept(text));
}
// SQL and HTML in every string field: accepted and stored byte for byte (unknown id: kept for
// reconciliation; a known pending id: applied, with the text stored literally).
HOSTILE.forEach((value, i) => {
  const field = ['transaction_id', 'sn', 'message', 'product_name', 'customer_no', 'product_code'][i % 6];
  const text = JSON.stringify(hesdaUpdate({ [field]: value }));
  signedHesda(SQL.includes(value) ? 'sql-in-strings' : 'html-in-strings', { text }, kept(text));
});
// (product_name is not among them: the name our order stored wins over the report's.)
['sn', 'message', 'message', 'sn'].forEach((field, i) => {
  const value = HOSTILE[(i * 5) % HOSTILE.length];
  const id = `abuse-seeded-${i + 1}`;
  signedHesda(
    SQL.includes(value) ? 'sql-in-strings' : 'html-in-strings',
    { json: hesdaUpdate({ transaction_id: id, [field]: value }) },
    {
      status: 200,
      body: 'ok',
      event: 'processed',
      writes: ['ppob_transactions'],
      literal: [{ table: 'ppob_transactions', match: { hesda_transaction_id: id }, column: field, text: value }],
    },
    { seedPpob: id },
  );
});
for (const value of [SQL[0], HTML[0]])
  hesda(SQL.includes(value) ? 'sql-in-strings' : 'html-in-strings', {
    body: { json: hesdaUpdate({ message: value }) },
    expect: rejectedHesda(401, 'INVALID_SIGNATURE'),
  });
for (const [signature, code] of [
  ['missing', 'INVALID_SIGNATURE'],
  ['empty', 'INVALID_SIGNATURE'],
  ['blank', 'INVALID_SIGNATURE'],
  ['doubled', 'INVALID_SIGNATURE'],
  ['doubled-wrong-first', 'INVALID_SIGNATURE'],
  ['truncated', 'INVALID_SIGNATURE'],
  ['non-hex', 'INVALID_SIGNATURE'],
  ['unicode', 'INVALID_SIGNATURE'],
  ['wrong-key', 'INVALID_SIGNATURE'],
  ['key-wrong-case', 'INVALID_SIGNATURE'],
  ['prefixed', 'INVALID_SIGNATURE'],
  ['base64', 'INVALID_SIGNATURE'],
  ['header-wrong-name', 'INVALID_SIGNATURE'],
  ['body-changed', 'INVALID_SIGNATURE'],
])
  hesda('signature-headers', {
    body: { json: hesdaUpdate() },
    sign: 'hesda',
    signature,
    expect: rejectedHesda(401, code),
  });
hesda('signature-headers', {
  body: { json: hesdaUpdate() },
  sign: 'hesda',
  signature: 'upper-hex',
  expect: kept(null),
});
hesda('signature-headers', {
  body: { json: hesdaUpdate() },
  sign: 'hesda',
  signature: 'header-odd-case',
  expect: kept(null),
});
hesda('signature-headers', {
  body: { json: hesdaUpdate() },
  sign: 'hesda',
  signature: 'nul-byte',
  expect: { status: 400, code: 'BAD_REQUEST', body: 'error', event: null },
});
hesda('signature-headers', {
  body: { json: hesdaUpdate() },
  sign: 'hesda',
  signature: 'header-too-large',
  expect: { status: 431, code: 'HEADERS_TOO_LARGE', body: 'error', event: null },
});
// X-Hesda-Event missing or odd: a signed body of another event type is kept, never acted on.
for (const event of [null, '', 'TRANSACTION.UPDATE', 'transaction.update; drop table', '<script>']) {
  const headers = { ...JSON_CT, ...(event === null ? {} : { 'x-hesda-event': event }) };
  hesda('signature-headers', {
    headers,
    body: { json: hesdaUpdate() },
    sign: 'hesda',
    expect: { status: 200, body: 'ok', event: 'ignored' },
  });
}
for (const type of [
  null,
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
])
  hesda('content-types', {
    headers: { 'x-hesda-event': 'transaction.update', ...(type ? { 'content-type': type } : {}) },
    body: { json: hesdaUpdate() },
    expect: rejectedHesda(401, 'INVALID_SIGNATURE'),
  });
hesda('content-types', {
  headers: { ...FORM_CT, 'x-hesda-event': 'transaction.update' },
  body: { text: 'transaction_id=1&status=success' },
  sign: 'hesda',
  expect: rejectedHesda(400, 'INVALID_JSON'),
});
hesda('content-types', {
  headers: { 'content-type': 'text/plain', 'x-hesda-event': 'transaction.update' },
  body: { json: hesdaUpdate() },
  sign: 'hesda',
  expect: kept(null),
});
hesda('empty-body', { body: null, expect: rejectedHesda(401, 'INVALID_SIGNATURE') });
hesda('empty-body', { body: null, sign: 'hesda', expect: rejectedHesda(400, 'INVALID_JSON') });
hesda('empty-body', { body: { text: '{}' }, sign: 'hesda', expect: rejectedHesda(400, 'INVALID_PAYLOAD') });
hesda('empty-body', { body: { text: '\r\n' }, sign: 'hesda', expect: rejectedHesda(400, 'INVALID_JSON') });
hesda('10mb-body', {
  body: { repeat: 'a', bytes: 10485760 },
  expect: { status: 413, code: 'PAYLOAD_TOO_LARGE', body: 'error', event: null },
});
hesda('10mb-body', {
  body: { repeat: '0', bytes: 10485760, prefix: '{"transaction_id":"', suffix: '","status":"success"}' },
  sign: 'hesda',
  expect: { status: 413, code: 'PAYLOAD_TOO_LARGE', body: 'error', event: null },
});
for (const [lie, status, code, event, body] of [
  ['longer', 400, 'BAD_REQUEST', null, 'error'],
  ['shorter', 400, 'BAD_REQUEST', 'rejected', 'error'],
  ['non-numeric', 400, 'BAD_REQUEST', null, 'error'],
  ['doubled-different', 400, 'BAD_REQUEST', null, 'error'],
  ['with-chunked', 400, 'BAD_REQUEST', null, 'error'],
])
  hesda('lying-content-length', {
    body: { json: hesdaUpdate() },
    sign: 'hesda',
    contentLength: lie,
    expect: { status, code, body, event },
  });

// X-Hesda-Event is not signed: a signed body re-sent under another event header (or the same one
// written differently) is a repeat of the first delivery, counted on its row, never a new event.
{
  const body = { json: hesdaUpdate() };
  signedHesda('event-header', body, kept(null));
  for (const event of ['TRANSACTION.UPDATE', 'ping', null])
    signedHesda('event-header', body, kept(null), {
      headers: { ...JSON_CT, ...(event === null ? {} : { 'x-hesda-event': event }) },
    });
}

// ---------- Login: the form and the link/takeover posts (CSRF token from GET /login unless told) ----------
const LOGIN_JSON = { ...JSON_CT, accept: 'application/json' };
const login = (category, path, entry) => add('login', category, { path, headers: LOGIN_JSON, csrf: 'valid', ...entry });
const refused = (status, code) => ({ status, code, body: 'error' });
const badLogin = refused(400, 'BAD_REQUEST');
const LOGIN_OK = { email: 'tamu@example.com', password: 'salah-sekali', fingerprint: 'a'.repeat(64) };
const TOKEN_OK = { token: 'T'.repeat(40), fingerprint: 'b'.repeat(64) };
const tokenPaths = [
  ['/login/ambil-alih', refused(410, 'TAKEOVER_EXPIRED'), refused(410, 'TAKEOVER_EXPIRED')],
  ['/login/tautan', refused(410, 'LINK_INVALID'), refused(410, 'LINK_INVALID')],
  ['/login/batal', badLogin, { status: 200, body: 'ok' }],
];
const lWhole = JSON.stringify(LOGIN_OK);
for (const cut of [1, 8, 20, lWhole.length - 1])
  login('truncated-json', '/login', { body: { text: lWhole.slice(0, cut) }, expect: refused(400, 'INVALID_JSON') });
for (const [path] of tokenPaths)
  login('truncated-json', path, {
    body: { text: JSON.stringify(TOKEN_OK).slice(0, 15) },
    expect: refused(400, 'INVALID_JSON'),
  });
login('truncated-json', '/login/tautan/kirim', {
  body: { text: '{"email":"a@' },
  expect: refused(400, 'INVALID_JSON'),
});
login('deep-nesting', '/login', {
  body: { nest: { depth: 10000, open: '[', close: ']', core: '' } },
  expect: badLogin,
});
login('deep-nesting', '/login', {
  body: { nest: { depth: 10000, open: '{"email":', close: '}', core: '"x"' } },
  expect: badLogin,
});
login('deep-nesting', '/login/tautan/kirim', {
  body: { nest: { depth: 10000, open: '{"email":', close: '}', core: '"x@y.z"' } },
  expect: badLogin,
});
for (const [path, bad] of tokenPaths)
  login('deep-nesting', path, {
    body: { nest: { depth: 10000, open: '{"token":', close: '}', core: '1' } },
    expect: bad,
  });
for (const field of ['email', 'password', 'fingerprint', 'takeover'])
  for (const value of WRONG_TYPES.slice(0, 9)) {
    const fine = (field === 'takeover' && value === true) || (field === 'fingerprint' && value === '');
    login('wrong-types', '/login', {
      body: { json: { ...LOGIN_OK, [field]: value } },
      expect: fine ? refused(401, 'INVALID_CREDENTIALS') : badLogin,
    });
  }
for (const [path, bad] of tokenPaths)
  for (const value of [null, 7, ['x'.repeat(40)], { $gt: '' }])
    login('wrong-types', path, { body: { json: { ...TOKEN_OK, token: value } }, expect: bad });
for (const value of [null, 7, ['a@b.c'], { $ne: 1 }])
  login('wrong-types', '/login/tautan/kirim', { body: { json: { email: value } }, expect: badLogin });
login('huge-strings', '/login', {
  body: { json: { ...LOGIN_OK, email: `${big('a', 500_000)}@example.com` } },
  expect: badLogin,
});
login('huge-strings', '/login', { body: { json: { ...LOGIN_OK, password: big('p', 900_000) } }, expect: badLogin });
login('huge-strings', '/login', { body: { json: { ...LOGIN_OK, fingerprint: big('a', 100_000) } }, expect: badLogin });
login('huge-strings', '/login/tautan/kirim', { body: { json: { email: big('e', 300_000) } }, expect: badLogin });
for (const [path, bad] of tokenPaths)
  login('huge-strings', path, { body: { json: { ...TOKEN_OK, token: big('T', 500_000) } }, expect: bad });
const lInvalid = Buffer.from(JSON.stringify({ ...LOGIN_OK, email: 'x@@example.com' }));
for (const bytes of ['ff', 'c0af', 'eda080']) {
  const at = lInvalid.indexOf('@@');
  const bad = Buffer.concat([lInvalid.subarray(0, at), Buffer.from(bytes, 'hex'), lInvalid.subarray(at + 1)]);
  login('invalid-utf8', '/login', {
    body: { base64: bad.toString('base64') },
    expect: refused(401, 'INVALID_CREDENTIALS'),
  });
}
login('invalid-utf8', '/login', {
  headers: { ...FORM_CT, accept: 'application/json' },
  body: { text: `email=%FF%FE%40x&password=%C0%AF&fingerprint=` },
  expect: refused(401, 'INVALID_CREDENTIALS'),
});
login('invalid-utf8', '/login/tautan', {
  body: {
    base64: Buffer.concat([Buffer.from('{"token":"'), Buffer.alloc(30, 0xff), Buffer.from('"}')]).toString('base64'),
  },
  expect: refused(410, 'LINK_INVALID'),
});
login('duplicate-keys', '/login', {
  body: { text: '{"email":"a@b.c","email":"tamu@example.com","password":"x","password":"salah-sekali"}' },
  expect: refused(401, 'INVALID_CREDENTIALS'),
});
login('duplicate-keys', '/login', {
  body: { text: '{"email":"tamu@example.com","password":"x","takeover":true,"takeover":"maybe"}' },
  expect: badLogin,
});
login('duplicate-keys', '/login', {
  headers: { ...FORM_CT, accept: 'application/json' },
  body: { text: 'email=a%40b.c&email=tamu%40example.com&password=x' },
  expect: badLogin,
});
login('duplicate-keys', '/login/ambil-alih', {
  body: { text: `{"token":"${'T'.repeat(40)}","token":"${'U'.repeat(40)}"}` },
  expect: refused(410, 'TAKEOVER_EXPIRED'),
});
for (const [path, level] of [
  ['/login', (k) => `{"${k}":{"role":"admin","polluted":"yes"},"email":"tamu@example.com","password":"salah-sekali"}`],
  ['/login', (k) => `{"email":{"${k}":{"polluted":"yes"}},"password":"salah-sekali"}`],
  ['/login/tautan', (k) => `{"${k}":{"polluted":"yes"},"token":"${'T'.repeat(40)}"}`],
  ['/login/tautan/kirim', (k) => `{"email":"a@b.c","${k}":{"prototype":{"polluted":"yes"}}}`],
])
  for (const key of ['__proto__', 'constructor']) {
    // secure-json-parse refuses any __proto__ and a constructor that carries a prototype; a plain
    // "constructor" key is only data, and the request goes on to the usual checks.
    const plainData = key === 'constructor' && !level(key).includes('"prototype"');
    const after = {
      '/login': level(key).startsWith('{"email":{') ? badLogin : refused(401, 'INVALID_CREDENTIALS'),
      '/login/tautan': refused(410, 'LINK_INVALID'),
    }[path];
    login('prototype-pollution', path, {
      body: { text: level(key) },
      expect: plainData ? after : refused(400, 'INVALID_JSON'),
    });
  }
for (const key of ['__proto__', 'constructor', 'prototype'])
  login('prototype-pollution', '/login', {
    headers: { ...FORM_CT, accept: 'application/json' },
    body: { text: `${key}[polluted]=yes&${key}=x&email=tamu%40example.com&password=salah-sekali` },
    expect: refused(401, 'INVALID_CREDENTIALS'),
  });
login('prototype-pollution', '/login', {
  body: { text: '{"prototype":{"polluted":"yes"},"email":"tamu@example.com","password":"salah-sekali"}' },
  expect: refused(401, 'INVALID_CREDENTIALS'),
});
// SQL and HTML in every string field: the same generic refusal, nothing stored but the counters.
HOSTILE.forEach((value, i) => {
  const category = SQL.includes(value) ? 'sql-in-strings' : 'html-in-strings';
  login(category, '/login', {
    body: { json: { ...LOGIN_OK, email: `${value}@example.com` } },
    expect: refused(401, 'INVALID_CREDENTIALS'),
  });
  login(category, '/login', {
    body: { json: { ...LOGIN_OK, password: value } },
    expect: refused(401, 'INVALID_CREDENTIALS'),
  });
  if (i % 2 === 0) login(category, '/login', { body: { json: { ...LOGIN_OK, fingerprint: value } }, expect: badLogin });
  // No account enumeration: any address gets "accepted" (and only a rate-limit counter is written).
  login(category, '/login/tautan/kirim', { body: { json: { email: value } }, expect: { status: 202, body: 'ok' } });
  const [path, , wellFormed] = tokenPaths[i % 3];
  login(category, path, { body: { json: { ...TOKEN_OK, token: `${value}${'x'.repeat(20)}` } }, expect: wellFormed });
});
login('html-in-strings', '/login', {
  headers: { ...FORM_CT, accept: 'text/html' },
  body: { text: `email=${encodeURIComponent(HTML[0])}&password=x` },
  expect: { status: 401, body: 'html' },
});
// The login posts' "signature" is the CSRF token: missing, forged or doubled on every form post.
for (const path of ['/login', '/login/ambil-alih', '/login/tautan', '/login/batal', '/login/tautan/kirim']) {
  login('csrf-token', path, { csrf: 'none', body: { json: LOGIN_OK }, expect: refused(403, 'CSRF_REJECTED') });
  login('csrf-token', path, { csrf: 'forged', body: { json: LOGIN_OK }, expect: refused(403, 'CSRF_REJECTED') });
}
login('csrf-token', '/login', {
  csrf: 'doubled',
  body: { json: LOGIN_OK },
  expect: refused(403, 'CSRF_REJECTED'),
});
login('csrf-token', '/login', {
  csrf: 'cookie-only',
  body: { json: LOGIN_OK },
  expect: refused(403, 'CSRF_REJECTED'),
});
login('csrf-token', '/login', {
  csrf: 'cookie-only',
  body: { json: { ...LOGIN_OK, _csrf: { $ne: '' } } },
  expect: refused(403, 'CSRF_REJECTED'),
});
login('csrf-token', '/login', {
  csrf: 'cookie-only',
  body: { json: { ...LOGIN_OK, _csrf: ['a', 'b'] } },
  expect: refused(403, 'CSRF_REJECTED'),
});
for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml', null]) {
  const expect = refused(415, 'UNSUPPORTED_MEDIA_TYPE');
  if (type === 'text/plain') Object.assign(expect, refused(400, 'BAD_REQUEST'));
  login('content-types', '/login', {
    headers: { accept: 'application/json', ...(type ? { 'content-type': type } : {}) },
    body: { json: LOGIN_OK },
    expect,
  });
}
login('content-types', '/login/tautan/kirim', {
  headers: { 'content-type': 'text/plain', accept: 'application/json' },
  body: { text: 'email=a@b.c' },
  expect: badLogin,
});
login('content-types', '/login/ambil-alih', {
  headers: { 'content-type': 'application/octet-stream', accept: 'application/json' },
  body: { text: 'x' },
  expect: refused(415, 'UNSUPPORTED_MEDIA_TYPE'),
});
login('empty-body', '/login', { body: null, expect: refused(400, 'INVALID_JSON') });
login('empty-body', '/login', { headers: { ...FORM_CT, accept: 'application/json' }, body: null, expect: badLogin });
login('empty-body', '/login/tautan/kirim', { body: { text: '{}' }, expect: badLogin });
for (const [path, bad] of tokenPaths) login('empty-body', path, { body: { text: '{}' }, expect: bad });
login('10mb-body', '/login', { body: { repeat: 'a', bytes: 10485760 }, expect: refused(413, 'PAYLOAD_TOO_LARGE') });
login('10mb-body', '/login/tautan/kirim', {
  headers: { ...FORM_CT, accept: 'application/json' },
  body: { repeat: 'a', bytes: 10485760, prefix: 'email=' },
  expect: refused(413, 'PAYLOAD_TOO_LARGE'),
});
for (const lie of ['longer', 'shorter', 'non-numeric', 'with-chunked'])
  login('lying-content-length', '/login', {
    body: { json: LOGIN_OK },
    contentLength: lie,
    expect: refused(400, 'BAD_REQUEST'),
  });

// ---------- License API: activate / validate / deactivate (JSON, no cookies) ----------
const license = (category, action, entry) =>
  add('license', category, { path: `/api/licenses/${action}`, headers: JSON_CT, ...entry });
const badPayload = refused(400, 'INVALID_PAYLOAD');
// Validate answers 200 with a verdict for an unknown key (as Keygen's validate); the others 404.
const notFound = (action) =>
  action === 'validate'
    ? { status: 200, body: 'verdict', code: 'LICENSE_NOT_FOUND' }
    : refused(404, 'LICENSE_NOT_FOUND');
const bodies = {
  activate: { key: '{{licenseKey}}', fingerprint: 'machine-1', name: 'Laptop' },
  validate: { key: '{{licenseKey}}', fingerprint: 'machine-1' },
  deactivate: { key: '{{licenseKey}}', fingerprint: 'machine-1' },
};
const ACTIONS = ['activate', 'validate', 'deactivate'];
for (const action of ACTIONS) {
  const text = JSON.stringify(bodies[action]);
  for (const cut of [1, 10, text.length - 1])
    license('truncated-json', action, { body: { text: text.slice(0, cut) }, expect: refused(400, 'INVALID_JSON') });
  license('deep-nesting', action, {
    body: { nest: { depth: 10000, open: '[', close: ']', core: '' } },
    expect: badPayload,
  });
  license('deep-nesting', action, {
    body: { nest: { depth: 10000, open: '{"key":', close: '}', core: '"k"' } },
    expect: badPayload,
  });
  license('deep-nesting', action, {
    body: {
      nest: {
        depth: 10000,
        open: '{"a":',
        close: '}',
        core: '1',
        prefix: '{"key":"x","fingerprint":"y","deep":',
        suffix: '}',
      },
    },
    expect: notFound(action),
  });
  for (const field of Object.keys(bodies[action]))
    for (const value of [null, 7, true, ['x'], { $gt: '' }, ''])
      license('wrong-types', action, {
        body: { json: { ...bodies[action], [field]: value } },
        expect:
          field === 'name' && value === '' ? { status: 201, body: 'ok', writes: ['license_activations'] } : badPayload,
      });
  license('wrong-types', action, { body: { text: '"{\\"key\\":\\"x\\"}"' }, expect: badPayload });
  license('huge-strings', action, {
    body: { json: { ...bodies[action], key: big('K', 800_000) } },
    expect: badPayload,
  });
  license('huge-strings', action, {
    body: { json: { ...bodies[action], fingerprint: 'f'.repeat(300) } },
    expect: badPayload,
  });
  const invalid = Buffer.concat([
    Buffer.from('{"key":"KEI-'),
    Buffer.from([0xff, 0xc0, 0xed, 0xa0, 0x80]),
    Buffer.from('","fingerprint":"x"}'),
  ]);
  license('invalid-utf8', action, { body: { base64: invalid.toString('base64') }, expect: notFound(action) });
  license('duplicate-keys', action, {
    body: { text: `{"key":"{{licenseKey}}","key":"KEI-NOPE","fingerprint":"m"}` },
    expect: notFound(action),
  });
  license('duplicate-keys', action, {
    body: { text: `{"key":"KEI-NOPE","fingerprint":"m","fingerprint":{"a":1}}` },
    expect: badPayload,
  });
  for (const key of ['__proto__', 'constructor'])
    license('prototype-pollution', action, {
      body: {
        text: `{"${key}":{"polluted":"yes","prototype":{"polluted":"yes"}},"key":"{{licenseKey}}","fingerprint":"m"}`,
      },
      expect: refused(400, 'INVALID_JSON'),
    });
  license('prototype-pollution', action, {
    body: { text: `{"constructor":{"polluted":"yes"},"key":"KEI-NOPE","fingerprint":"m"}` },
    expect: notFound(action),
  });
  license('prototype-pollution', action, {
    body: { text: `{"key":"KEI-NOPE","fingerprint":"m","prototype":{"polluted":"yes"}}` },
    expect: notFound(action),
  });
  license('prototype-pollution', action, {
    headers: FORM_CT,
    body: { text: '__proto__[polluted]=yes&constructor[prototype][polluted]=yes&key=KEI-NOPE&fingerprint=m' },
    expect: notFound(action),
  });
  for (const type of [null, 'text/plain', 'multipart/form-data; boundary=x'])
    license('content-types', action, {
      headers: type ? { 'content-type': type } : {},
      body: { json: bodies[action] },
      expect: type === 'text/plain' ? badPayload : refused(415, 'UNSUPPORTED_MEDIA_TYPE'),
    });
  license('content-types', action, {
    headers: FORM_CT,
    body: { text: 'key=KEI-NOPE&fingerprint=m' },
    expect: notFound(action),
  });
  license('empty-body', action, { body: null, expect: refused(400, 'INVALID_JSON') });
  license('empty-body', action, { body: { text: '{}' }, expect: badPayload });
  license('10mb-body', action, {
    body: { repeat: '1', bytes: 10485760, prefix: '{"key":"', suffix: '"}' },
    expect: refused(413, 'PAYLOAD_TOO_LARGE'),
  });
  for (const lie of ['longer', 'shorter', 'non-numeric', 'doubled-different'])
    license('lying-content-length', action, {
      body: { json: bodies[action] },
      contentLength: lie,
      expect: refused(400, 'BAD_REQUEST'),
    });
}
// SQL and HTML in every string field: unknown keys are refused alike; on the real key a hostile
// fingerprint simply names another machine, and a hostile device name is stored literally.
HOSTILE.forEach((value, i) => {
  const category = SQL.includes(value) ? 'sql-in-strings' : 'html-in-strings';
  const action = ACTIONS[i % 3];
  license(category, action, { body: { json: { ...bodies[action], key: value } }, expect: notFound(action) });
  if (action !== 'activate')
    license(category, action, {
      body: { json: { ...bodies[action], fingerprint: value } },
      expect:
        action === 'validate' ? { status: 200, body: 'verdict', code: 'NOT_ACTIVATED' } : refused(404, 'NOT_ACTIVATED'),
    });
});
license('html-in-strings', 'activate', {
  body: { json: { key: '{{licenseKey}}', fingerprint: SQL[1], name: HTML[1] } },
  expect: {
    status: 201,
    body: 'ok',
    writes: ['license_activations'],
    literal: [{ table: 'license_activations', match: {}, column: 'name', text: HTML[1], latest: true }],
  },
});
license('sql-in-strings', 'deactivate', {
  body: { json: { key: '{{licenseKey}}', fingerprint: SQL[1] } },
  expect: { status: 200, body: 'ok', writes: ['license_activations'] },
});
license('wrong-types', 'deactivate', {
  body: { json: { key: 'KEI-NOPE', activation_id: 1, fingerprint: 'both' } },
  expect: badPayload,
});
license('wrong-types', 'deactivate', { body: { json: { key: 'KEI-NOPE', activation_id: -1 } }, expect: badPayload });
license('wrong-types', 'deactivate', { body: { json: { key: 'KEI-NOPE', activation_id: 1e300 } }, expect: badPayload });

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`);
console.log(`wrote ${entries.length} entries to ${out}`);
