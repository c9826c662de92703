import type { Expectation, StoredText } from './entry.js';
import {
  corpusSection,
  FORM_CT,
  HOSTILE,
  HTML,
  hostileCategory,
  JSON_CT,
  protoText,
  SQL,
  TEN_MB,
  withBytes,
} from './entry.js';

/** POST /webhook/lynk: signature = sha256(grandTotal + refId + message_id + merchant key). */
const { entries, add } = corpusSection('lynk', { path: '/webhook/lynk', headers: JSON_CT });
export const lynkEntries = entries;

interface PaymentOverrides {
  refId?: string;
  messageId?: string;
  event?: unknown;
  action?: unknown;
  createdAt?: string;
  grandTotal?: unknown;
  customer?: Record<string, unknown>;
  item?: Record<string, unknown>;
}

let ref = 0;
function lynkPayment(overrides: PaymentOverrides = {}) {
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
        items: [item],
        totals: { grandTotal: overrides.grandTotal ?? 72000 },
      },
    },
  };
}

const rejected = (status: number, code: string): Expectation => ({ status, code, body: 'error', event: 'rejected' });
type Payment = ReturnType<typeof lynkPayment>;

/**
 * A genuinely signed payment: processed, writing its order (and its items), licenses and mail, and the buyer's
 * account when the address is new (every buyer can sign in to see the keys); `literal` read back.
 */
const processed = (...literal: StoredText[]): Expectation => ({
  status: 200,
  body: 'ok',
  event: 'processed',
  writes: ['orders', 'order_items', 'licenses', 'mail_outbox'],
  mayWrite: ['members'],
  ...(literal.length > 0 ? { literal } : {}),
});
const stored = (event: 'failed' | 'ignored' | 'processed'): Expectation => ({ status: 200, body: 'ok', event });
const refusedBeforeRoute = (status: number, code: string): Expectation => ({
  status,
  code,
  body: 'error',
  event: null,
});
/** The text an accepted payment must have stored, byte for byte, in its order row. */
const orderText = (payment: Payment, column: string, text: string): StoredText => ({
  table: 'orders',
  match: { external_ref: payment.data.message_data.refId },
  column,
  text,
});

// Truncated JSON: every cut of a real payment is refused before anything is trusted.
const whole = JSON.stringify(lynkPayment());
for (const cut of [1, 2, 10, 40, 80, 120, 200, whole.length - 1])
  add('truncated-json', { body: { text: whole.slice(0, cut) }, expect: rejected(400, 'INVALID_JSON') });
add('truncated-json', {
  body: { text: '{"event":"payment.received","data":{"message_id":"\\u00' },
  expect: rejected(400, 'INVALID_JSON'),
});

// Deeply nested: 10,000 levels as the whole body (fewer where 10,000 would pass the webhooks'
// 64 KiB limit), and inside a signed field.
add('deep-nesting', {
  body: { nest: { depth: 10000, open: '[', close: ']', core: '' } },
  expect: rejected(400, 'INVALID_PAYLOAD'),
});
add('deep-nesting', {
  body: { nest: { depth: 10000, open: '{"a":', close: '}', core: '1' } },
  expect: rejected(401, 'MISSING_SIGNATURE'),
});
add('deep-nesting', {
  body: { nest: { depth: 6000, open: '{"data":', close: '}', core: '{}' } },
  expect: rejected(401, 'MISSING_SIGNATURE'),
});
add('deep-nesting', {
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
  expect: rejected(400, 'INVALID_PAYLOAD'),
});
add('deep-nesting', {
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
  expect: processed(),
});

// Wrong types in every field: unsigned they never get past the signature; signed they are stored as
// failed (replayable), never processed into rows.
const MD = ['data', 'message_data'] as const;
const lynkFields: [string, readonly (string | number)[]][] = [
  ['event', ['event']],
  ['data', ['data']],
  ['message_action', ['data', 'message_action']],
  ['message_data', MD],
  ['customer', [...MD, 'customer']],
  ['email', [...MD, 'customer', 'email']],
  ['name', [...MD, 'customer', 'name']],
  ['items', [...MD, 'items']],
  ['item.title', [...MD, 'items', 0, 'title']],
  ['item.qty', [...MD, 'items', 0, 'qty']],
];
/** Puts `value` at `path` inside a payment, whatever the type the field should have. */
function setPath(payment: object, path: readonly (string | number)[], value: unknown): void {
  let node = payment as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last !== undefined) node[last] = value;
}
for (const [field, path] of lynkFields) {
  for (const value of [null, 42, ['x'], { a: 1 }]) {
    const p = lynkPayment();
    setPath(p, path, value);
    const topLevel = field === 'event' || field === 'data' || field === 'message_action' || field === 'message_data';
    // event/message_action of the wrong type mean "not a paid payment": stored as ignored.
    const outcome = field === 'event' || field === 'message_action' || field === 'data' ? 'ignored' : 'failed';
    const notAnObject = value === null || typeof value !== 'object' || Array.isArray(value);
    const envelopeBreaks =
      ((field === 'data' || field === 'message_data') && notAnObject) ||
      ((field === 'event' || field === 'message_action') && typeof value !== 'string');
    // A null or numeric name is "no name" / the number as text; 42 units is a real quantity.
    const stillValid = (field === 'name' && (value === null || value === 42)) || (field === 'item.qty' && value === 42);
    add('wrong-types', {
      body: { json: p },
      sign: 'lynk',
      expect: envelopeBreaks
        ? rejected(400, 'INVALID_PAYLOAD')
        : stillValid
          ? processed()
          : {
              ...stored(topLevel && field !== 'message_data' ? outcome : 'failed'),
              // An event without message_data is also counted as a dashboard "Test URL" post.
              ...(field === 'data' ? { writes: ['webhook_test_pings'] } : {}),
            },
    });
  }
}
for (const v of [null, true, { a: 1 }, [1]]) {
  const p = lynkPayment();
  setPath(p, [...MD, 'totals', 'grandTotal'], v);
  add('wrong-types', { body: { json: p }, sign: 'lynk', expect: rejected(400, 'INVALID_PAYLOAD') });
}
for (const v of ['not an object', 7, null, true])
  add('wrong-types', { body: { json: v }, expect: rejected(400, 'INVALID_PAYLOAD') });

// Huge strings, as huge as the webhooks' 64 KiB limit lets through (the 10mb-body entries test
// the limit): unsigned, and signed in the buyer's name (a signed payment is stored as sent).
add('huge-strings', {
  body: { json: { ...lynkPayment(), junk: 'x'.repeat(60_000) } },
  expect: rejected(401, 'MISSING_SIGNATURE'),
});
add('huge-strings', {
  body: { json: lynkPayment({ refId: 'r'.repeat(5000) }) },
  signature: 'wrong-key',
  sign: 'lynk',
  expect: rejected(401, 'INVALID_SIGNATURE'),
});
add('huge-strings', {
  body: { json: lynkPayment({ item: { title: 't'.repeat(60_000) } }) },
  sign: 'lynk',
  expect: stored('failed'),
});
add('huge-strings', {
  body: { json: lynkPayment({ customer: { email: `${'e'.repeat(300)}@example.com` } }) },
  sign: 'lynk',
  expect: stored('failed'),
});
{
  const name = `Budi ${'panjang '.repeat(2000)}`;
  const p = lynkPayment({ customer: { name } });
  add('huge-strings', {
    body: { json: p },
    sign: 'lynk',
    expect: processed(orderText(p, 'customer_name', name.trim())),
  });
}

// Invalid UTF-8: JSON text must be UTF-8 (RFC 8259 §8.1); the raw body is stored as received or not at all.
const payJson = JSON.stringify(lynkPayment({ customer: { name: 'NAMA' } })).replace('NAMA', '@@');
for (const bytes of ['ff', 'c3', 'c028', 'e28228', 'f0288cbc', 'eda080', 'f8a1a1a1a1'])
  add('invalid-utf8', {
    body: { base64: withBytes(payJson, bytes) },
    sign: 'lynk',
    expect: rejected(400, 'INVALID_JSON'),
  });
add('invalid-utf8', {
  body: { base64: Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString('base64') },
  expect: rejected(400, 'INVALID_JSON'),
});
add('invalid-utf8', {
  body: { base64: Buffer.from('{"event":"\0"}').toString('base64') },
  expect: rejected(400, 'INVALID_JSON'),
});

// Duplicate keys: JSON.parse keeps the last; the signature is over what is parsed, so a second refId
// cannot smuggle a different payment past a signature made for the first.
{
  const p = lynkPayment();
  const text = JSON.stringify(p).replace('"refId":', '"refId":"smuggled","refId":');
  const innocent: Payment = JSON.parse(JSON.stringify(p));
  innocent.data.message_data.refId = 'smuggled';
  add('duplicate-keys', {
    body: { text },
    sign: 'lynk',
    signature: 'of-other-body',
    signOver: { json: innocent },
    expect: rejected(401, 'INVALID_SIGNATURE'),
  });
  const t2 = JSON.stringify(lynkPayment()).replace('"event":', '"event":"payment.refunded","event":');
  add('duplicate-keys', { body: { text: t2 }, expect: rejected(401, 'MISSING_SIGNATURE') });
  const t3 = JSON.stringify(lynkPayment()).replace('"grandTotal":', '"grandTotal":1,"grandTotal":');
  add('duplicate-keys', {
    body: { text: t3 },
    signature: 'wrong-key',
    sign: 'lynk',
    expect: rejected(401, 'INVALID_SIGNATURE'),
  });
  const p4 = lynkPayment();
  const t4 = JSON.stringify(p4).replace('"customer":', '"customer":{"email":"other@example.com"},"customer":');
  add('duplicate-keys', {
    body: { text: t4 },
    sign: 'lynk',
    expect: processed(orderText(p4, 'email', 'pembeli@example.com')),
  });
}

// Prototype pollution at every level, unsigned and signed.
const pollutedLevels = [
  (inner: string) => protoText(`"event":"payment.received"${inner}`),
  (inner: string) => `{"event":"payment.received","data":${protoText(`"message_id":"pp"${inner}`)}}`,
  (inner: string) =>
    `{"event":"payment.received","data":{"message_id":"pp","message_data":${protoText(`"refId":"pp"${inner}`)}}}`,
];
// Unsigned and without message_data is what Lynk.id's "Test URL" button sends: answered 200,
// counted, nothing stored. With message_data, the missing signature is refused.
const dashboardTest: Expectation = { status: 200, body: 'ok', writes: ['webhook_test_pings'] };
for (const [i, level] of pollutedLevels.entries())
  add('prototype-pollution', {
    body: { text: level('') },
    expect: i < 2 ? dashboardTest : rejected(401, 'MISSING_SIGNATURE'),
  });
for (const [where, key] of [
  ['top', 'constructor'],
  ['data', 'prototype'],
  ['customer', '__proto__'],
  ['item', 'constructor'],
  ['totals', '__proto__'],
] as const) {
  const p = lynkPayment();
  const md = p.data.message_data;
  const holder = { top: p, data: p.data, customer: md.customer, item: md.items[0], totals: md.totals }[where];
  const text = JSON.stringify(p).replace(
    JSON.stringify(holder).slice(0, 12),
    `{"${key}":{"polluted":"yes","prototype":{"polluted":"yes"}},${JSON.stringify(holder).slice(1, 12)}`,
  );
  add('prototype-pollution', { body: { text }, sign: 'lynk', expect: processed() });
}

// SQL and HTML in every string field of a signed payment: accepted and stored literally.
const lynkStringFields = ['name', 'phone', 'title', 'uuid', 'createdAt'] as const;
HOSTILE.forEach((value, i) => {
  const field = lynkStringFields[i % lynkStringFields.length] ?? 'name';
  const p =
    field === 'title' || field === 'uuid'
      ? lynkPayment({ item: { [field]: value } })
      : field === 'createdAt'
        ? lynkPayment({ createdAt: value })
        : lynkPayment({ customer: { [field]: value } });
  const refId: string = p.data.message_data.refId;
  const text = value.trim();
  const literal: StoredText =
    field === 'title'
      ? { table: 'licenses', match: { lynk_ref_id: refId }, column: 'product_title', text }
      : field === 'uuid'
        ? { table: 'licenses', match: { lynk_ref_id: refId }, column: 'product_uuid', text }
        : field === 'createdAt'
          ? { table: 'orders', match: { external_ref: refId }, column: 'paid_at', text }
          : {
              table: 'orders',
              match: { external_ref: refId },
              column: field === 'name' ? 'customer_name' : 'phone',
              text,
            };
  add(hostileCategory(value), { body: { json: p }, sign: 'lynk', expect: processed(literal) });
});
// The buyer's address: an apostrophe is legal in one (RFC 5322), so SQL-looking addresses pass and
// are stored as sent (lowercased); event and message_action carrying SQL/HTML are "not a payment".
{
  const email = "O'Brien'--x@Example.com";
  const p = lynkPayment({ customer: { email } });
  add('sql-in-strings', {
    body: { json: p },
    sign: 'lynk',
    expect: processed(orderText(p, 'email', email.toLowerCase())),
  });
  add('sql-in-strings', { body: { json: lynkPayment({ event: SQL[1] }) }, sign: 'lynk', expect: stored('ignored') });
  add('html-in-strings', { body: { json: lynkPayment({ action: HTML[0] }) }, sign: 'lynk', expect: stored('ignored') });
}
// Hostile text in the signed fields themselves, the refId and message id.
for (const value of [SQL[1], HTML[0], SQL[4]] as string[]) {
  const p = lynkPayment({ refId: value, messageId: `${value}-msg` });
  add(hostileCategory(value), {
    body: { json: p },
    sign: 'lynk',
    expect: processed({ table: 'orders', match: { external_ref: value }, column: 'external_ref', text: value }),
  });
}
for (const value of HOSTILE)
  add(hostileCategory(value), {
    body: { json: lynkPayment({ customer: { name: value } }) },
    expect: rejected(401, 'MISSING_SIGNATURE'),
  });

// Signature headers: missing, doubled, empty, wrong case, too long, not hex, another key.
for (const [signature, code] of [
  ['missing', 'MISSING_SIGNATURE'],
  ['empty', 'MISSING_SIGNATURE'],
  ['blank', 'MISSING_SIGNATURE'],
  ['doubled', 'INVALID_SIGNATURE'],
  ['doubled-wrong-first', 'INVALID_SIGNATURE'],
  ['truncated', 'INVALID_SIGNATURE'],
  ['too-long', 'INVALID_SIGNATURE'],
  ['non-hex', 'INVALID_SIGNATURE'],
  ['unicode', 'INVALID_SIGNATURE'],
  ['wrong-key', 'INVALID_SIGNATURE'],
  ['key-wrong-case', 'INVALID_SIGNATURE'],
  ['prefixed', 'INVALID_SIGNATURE'],
  ['base64', 'INVALID_SIGNATURE'],
  ['header-wrong-name', 'MISSING_SIGNATURE'],
] as const)
  add('signature-headers', { body: { json: lynkPayment() }, sign: 'lynk', signature, expect: rejected(401, code) });
// Header names are case-insensitive (RFC 9110 §5.1) and hex is read case-insensitively: a genuine
// signature in odd case is still genuine. On a non-payment event it is stored as ignored.
for (const signature of ['upper-hex', 'header-odd-case'] as const)
  add('signature-headers', {
    body: { json: lynkPayment({ event: 'payment.pending' }) },
    sign: 'lynk',
    signature,
    expect: stored('ignored'),
  });
add('signature-headers', {
  body: { json: lynkPayment() },
  sign: 'lynk',
  signature: 'nul-byte',
  expect: refusedBeforeRoute(400, 'BAD_REQUEST'),
});
add('signature-headers', {
  body: { json: lynkPayment() },
  sign: 'lynk',
  signature: 'header-too-large',
  expect: refusedBeforeRoute(431, 'HEADERS_TOO_LARGE'),
});

// Content types: the body is read as raw bytes whatever the type, so each gets the same checks.
// A Content-Type that is not a media type at all is refused by Fastify before the route (415).
add('content-types', {
  headers: { 'content-type': ';;;' },
  body: { json: lynkPayment() },
  expect: refusedBeforeRoute(415, 'UNSUPPORTED_MEDIA_TYPE'),
});
for (const type of [
  null,
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/xml',
  'application/json; charset=latin1',
])
  add('content-types', {
    headers: type ? { 'content-type': type } : {},
    body: { json: lynkPayment() },
    expect: rejected(401, 'MISSING_SIGNATURE'),
  });
add('content-types', {
  headers: FORM_CT,
  body: { text: 'event=payment.received&data[message_id]=x' },
  expect: rejected(400, 'INVALID_JSON'),
});
add('content-types', {
  headers: { 'content-type': 'multipart/form-data; boundary=X' },
  body: { text: '--X\r\nContent-Disposition: form-data; name="event"\r\n\r\npayment.received\r\n--X--\r\n' },
  expect: rejected(400, 'INVALID_JSON'),
});

// Empty bodies.
add('empty-body', { body: null, expect: rejected(400, 'INVALID_JSON') });
add('empty-body', { headers: {}, body: null, expect: rejected(400, 'INVALID_JSON') });
add('empty-body', { body: { text: '   ' }, expect: rejected(400, 'INVALID_JSON') });
add('empty-body', { body: { text: '{}' }, expect: rejected(401, 'MISSING_SIGNATURE') });
// Signed, but no signed field at all: that signature (sha256 of the key alone) fits every such body.
// The first one (wrong-types, `data` an object) was accepted; a signature serves one body only.
add('empty-body', { body: { text: '{}' }, sign: 'lynk', expect: rejected(409, 'SIGNATURE_REUSED') });
add('empty-body', { body: { text: 'null' }, expect: rejected(400, 'INVALID_PAYLOAD') });

// 10 MB bodies: refused by the body limit (413) before anything is read into the store.
for (const body of [
  { repeat: 'a', bytes: TEN_MB },
  { repeat: ' ', bytes: TEN_MB, prefix: '{"event":"payment.received","x":"', suffix: '"}' },
  { repeat: '[', bytes: TEN_MB },
])
  add('10mb-body', { body, expect: refusedBeforeRoute(413, 'PAYLOAD_TOO_LARGE') });

// Lying Content-Length.
for (const [lie, event] of [
  ['longer', null],
  // The bytes past the declared length are a second, malformed request: the parser answers 400 at
  // once and drops the connection; the first request, complete at its length, is still refused
  // (truncated JSON) and stored as rejected.
  ['shorter', 'rejected'],
  ['non-numeric', null],
  ['negative', null],
  ['doubled-different', null],
  ['with-chunked', null],
] as const)
  add('lying-content-length', {
    body: { json: lynkPayment() },
    sign: 'lynk',
    contentLength: lie,
    expect: { status: 400, code: 'BAD_REQUEST', body: 'error', event },
  });

// grandTotal is whole rupiah: a JSON integer or plain digits. Other spellings make the signed text say
// one amount and the order another, and give a captured signature more ways to be re-arranged.
for (const v of ['1e3', ' 100', '100abc', '0x10', '-5', '72000.5', '072000', '', -1, 1.5, 1e21])
  add('wrong-types', {
    body: { json: lynkPayment({ grandTotal: v }) },
    sign: 'lynk',
    expect: rejected(400, 'INVALID_PAYLOAD'),
  });

// A captured delivery re-arranged: Lynk signs grandTotal + refId + message_id joined without
// separators, buyer and items unsigned. Characters moved between the signed fields keep the captured
// signature valid; once accepted, it serves that body only (the same bytes again are a repeat).
{
  const captured = lynkPayment({ refId: 'reuse-ref9abc', messageId: 'REUSE-1', grandTotal: '72000' });
  add('signature-reuse', { body: { json: captured }, sign: 'lynk', expect: processed() });
  const thief = { email: 'penyerang@example.com', name: 'Penyerang', phone: '' };
  for (const [grandTotal, refId, messageId] of [
    ['7200', '0reuse-ref9abc', 'REUSE-1'],
    [72000, 'reuse-ref9ab', 'cREUSE-1'],
    ['72000', 'reuse-ref9abcREUSE-', '1'],
  ] as const)
    add('signature-reuse', {
      body: { json: lynkPayment({ refId, messageId, grandTotal, customer: thief, item: { qty: 50 } }) },
      sign: 'lynk',
      expect: rejected(409, 'SIGNATURE_REUSED'),
    });
  add('signature-reuse', { body: { json: captured }, sign: 'lynk', expect: stored('processed') });
}
