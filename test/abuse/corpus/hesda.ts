import type { BodySpec, EntryInput, Expectation } from './entry.js';
import { corpusSection, FORM_CT, HOSTILE, HTML, hostileCategory, JSON_CT, SQL, TEN_MB, withBytes } from './entry.js';

/** POST /webhooks/ppob: X-Hesda-Signature = hex HMAC-SHA256 of the raw body. */
const HESDA_HEADERS = { ...JSON_CT, 'x-hesda-event': 'transaction.update' };
const { entries, add } = corpusSection('hesda', { path: '/webhooks/ppob', headers: HESDA_HEADERS });
export const hesdaEntries = entries;

let trx = 0;
function hesdaUpdate(overrides: Record<string, unknown> = {}) {
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

const rejected = (status: number, code: string): Expectation => ({
  status,
  code,
  body: 'hesda-error',
  event: 'rejected',
});
const refusedBeforeRoute = (status: number, code: string): Expectation => ({
  status,
  code,
  body: 'error',
  event: null,
});
const signed = (category: string, body: BodySpec, expect: Expectation, extra: Partial<EntryInput> = {}) =>
  add(category, { body, sign: 'hesda', expect, ...extra });
/** An update for an id we never ordered is kept (failed, UNKNOWN_TRANSACTION) for reconciliation. */
const kept = (raw: string | null): Expectation => ({
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

const whole = JSON.stringify(hesdaUpdate());
for (const cut of [1, 5, 30, 60, 100, whole.length - 1])
  signed('truncated-json', { text: whole.slice(0, cut) }, rejected(400, 'INVALID_JSON'));
add('truncated-json', { body: { text: whole.slice(0, 50) }, expect: rejected(401, 'INVALID_SIGNATURE') });

signed('deep-nesting', { nest: { depth: 10000, open: '[', close: ']', core: '' } }, rejected(400, 'INVALID_PAYLOAD'));
signed(
  'deep-nesting',
  { nest: { depth: 10000, open: '{"a":', close: '}', core: 'null' } },
  rejected(400, 'INVALID_PAYLOAD'),
);
signed(
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
  rejected(400, 'INVALID_PAYLOAD'),
);
signed(
  'deep-nesting',
  { nest: { depth: 10000, open: '[', close: ']', core: '1', prefix: `${whole.slice(0, -1)},"extra":`, suffix: '}' } },
  kept(null),
);
add('deep-nesting', {
  body: { nest: { depth: 10000, open: '[', close: ']', core: '' } },
  expect: rejected(401, 'INVALID_SIGNATURE'),
});

for (const field of ['transaction_id', 'status', 'sn', 'message', 'product_name', 'customer_no']) {
  for (const value of [null, true, ['x'], { a: 1 }, 12.5]) {
    const required = field === 'transaction_id' || field === 'status';
    // Numbers are written as text (Hesda sends some ids as numbers); a null optional field is "absent".
    const fine = !required && (value === null || typeof value === 'number');
    const fineRequired = field === 'transaction_id' && typeof value === 'number';
    signed(
      'wrong-types',
      { json: hesdaUpdate({ [field]: value }) },
      fine || fineRequired ? kept(null) : rejected(400, 'INVALID_PAYLOAD'),
    );
  }
}
for (const v of ['"just a string"', '42', 'null', 'true', '[]'])
  signed('wrong-types', { text: v }, rejected(400, 'INVALID_PAYLOAD'));
signed('wrong-types', { json: hesdaUpdate({ status: 'SUCCESS' }) }, rejected(400, 'INVALID_PAYLOAD'));
signed('wrong-types', { json: hesdaUpdate({ status: 'refunded' }) }, rejected(400, 'INVALID_PAYLOAD'));

signed('huge-strings', { json: hesdaUpdate({ transaction_id: 't'.repeat(300) }) }, rejected(400, 'INVALID_PAYLOAD'));
signed('huge-strings', { json: hesdaUpdate({ message: 'm'.repeat(60_000) }) }, kept(null));
add('huge-strings', {
  body: { json: hesdaUpdate({ sn: 's'.repeat(60_000) }) },
  expect: rejected(401, 'INVALID_SIGNATURE'),
});
add('huge-strings', {
  body: { json: hesdaUpdate() },
  sign: 'hesda',
  signature: 'too-long',
  expect: rejected(401, 'INVALID_SIGNATURE'),
});

const withBadBytes = JSON.stringify(hesdaUpdate({ message: '@@' }));
for (const bytes of ['ff', 'c3', 'c028', 'eda080', 'f8a1a1a1a1'])
  signed('invalid-utf8', { base64: withBytes(withBadBytes, bytes) }, rejected(400, 'INVALID_JSON'));
add('invalid-utf8', {
  body: { base64: Buffer.from([0x7b, 0xc0, 0x80, 0x7d]).toString('base64') },
  expect: rejected(401, 'INVALID_SIGNATURE'),
});
signed(
  'invalid-utf8',
  { base64: Buffer.from('{"transaction_id":"a\0b","status":"success"}').toString('base64') },
  rejected(400, 'INVALID_JSON'),
);

{
  const t = JSON.stringify(hesdaUpdate()).replace('"status":', '"status":"failed","status":');
  signed('duplicate-keys', { text: t }, kept(t));
  const t2 = JSON.stringify(hesdaUpdate()).replace(
    '"transaction_id":',
    '"transaction_id":{"$gt":""},"transaction_id":',
  );
  signed('duplicate-keys', { text: t2 }, kept(t2));
  const t3 = JSON.stringify(hesdaUpdate()).replace('"status":"success"', '"status":"success","status":7');
  signed('duplicate-keys', { text: t3 }, rejected(400, 'INVALID_PAYLOAD'));
  add('duplicate-keys', { body: { text: t }, expect: rejected(401, 'INVALID_SIGNATURE') });
}

for (const key of ['__proto__', 'constructor', 'prototype']) {
  const inner = JSON.stringify(hesdaUpdate()).slice(1);
  const text = `{"${key}":{"polluted":"yes","status":"failed"},${inner}`;
  signed('prototype-pollution', { text }, kept(text));
  const nested = JSON.stringify(hesdaUpdate()).replace('"price":6150', `"price":{"${key}":{"polluted":"yes"}}`);
  signed('prototype-pollution', { text: nested }, kept(nested));
  add('prototype-pollution', { body: { text }, expect: rejected(401, 'INVALID_SIGNATURE') });
}
{
  const text = JSON.stringify(hesdaUpdate()).replace(
    '"sn":',
    '"__proto__":{"sn":"x"},"constructor":{"prototype":{"status":"success"}},"sn":',
  );
  signed('prototype-pollution', { text }, kept(text));
}

// SQL and HTML in every string field: accepted and stored byte for byte (unknown id: kept for
// reconciliation; a known pending id: applied, with the text stored literally).
const stringFields = ['transaction_id', 'sn', 'message', 'product_name', 'customer_no', 'product_code'];
HOSTILE.forEach((value, i) => {
  const text = JSON.stringify(hesdaUpdate({ [stringFields[i % 6] ?? 'sn']: value }));
  signed(hostileCategory(value), { text }, kept(text));
});
// (product_name is not among them: the name our order stored wins over the report's.)
(['sn', 'message', 'message', 'sn'] as const).forEach((field, i) => {
  const value = HOSTILE[(i * 5) % HOSTILE.length] ?? '';
  const id = `abuse-seeded-${i + 1}`;
  signed(
    hostileCategory(value),
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
for (const value of [SQL[0], HTML[0]] as string[])
  add(hostileCategory(value), {
    body: { json: hesdaUpdate({ message: value }) },
    expect: rejected(401, 'INVALID_SIGNATURE'),
  });

for (const signature of [
  'missing',
  'empty',
  'blank',
  'doubled',
  'doubled-wrong-first',
  'truncated',
  'non-hex',
  'unicode',
  'wrong-key',
  'key-wrong-case',
  'prefixed',
  'base64',
  'header-wrong-name',
  'body-changed',
] as const)
  add('signature-headers', {
    body: { json: hesdaUpdate() },
    sign: 'hesda',
    signature,
    expect: rejected(401, 'INVALID_SIGNATURE'),
  });
for (const signature of ['upper-hex', 'header-odd-case'] as const)
  add('signature-headers', { body: { json: hesdaUpdate() }, sign: 'hesda', signature, expect: kept(null) });
add('signature-headers', {
  body: { json: hesdaUpdate() },
  sign: 'hesda',
  signature: 'nul-byte',
  expect: refusedBeforeRoute(400, 'BAD_REQUEST'),
});
add('signature-headers', {
  body: { json: hesdaUpdate() },
  sign: 'hesda',
  signature: 'header-too-large',
  expect: refusedBeforeRoute(431, 'HEADERS_TOO_LARGE'),
});
// X-Hesda-Event missing or odd: a signed body of another event type is kept, never acted on.
for (const event of [null, '', 'TRANSACTION.UPDATE', 'transaction.update; drop table', '<script>'])
  add('signature-headers', {
    headers: { ...JSON_CT, ...(event === null ? {} : { 'x-hesda-event': event }) },
    body: { json: hesdaUpdate() },
    sign: 'hesda',
    expect: { status: 200, body: 'ok', event: 'ignored' },
  });

for (const type of [
  null,
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
])
  add('content-types', {
    headers: { 'x-hesda-event': 'transaction.update', ...(type ? { 'content-type': type } : {}) },
    body: { json: hesdaUpdate() },
    expect: rejected(401, 'INVALID_SIGNATURE'),
  });
add('content-types', {
  headers: { ...FORM_CT, 'x-hesda-event': 'transaction.update' },
  body: { text: 'transaction_id=1&status=success' },
  sign: 'hesda',
  expect: rejected(400, 'INVALID_JSON'),
});
add('content-types', {
  headers: { 'content-type': 'text/plain', 'x-hesda-event': 'transaction.update' },
  body: { json: hesdaUpdate() },
  sign: 'hesda',
  expect: kept(null),
});

add('empty-body', { body: null, expect: rejected(401, 'INVALID_SIGNATURE') });
add('empty-body', { body: null, sign: 'hesda', expect: rejected(400, 'INVALID_JSON') });
add('empty-body', { body: { text: '{}' }, sign: 'hesda', expect: rejected(400, 'INVALID_PAYLOAD') });
add('empty-body', { body: { text: '\r\n' }, sign: 'hesda', expect: rejected(400, 'INVALID_JSON') });

add('10mb-body', { body: { repeat: 'a', bytes: TEN_MB }, expect: refusedBeforeRoute(413, 'PAYLOAD_TOO_LARGE') });
add('10mb-body', {
  body: { repeat: '0', bytes: TEN_MB, prefix: '{"transaction_id":"', suffix: '","status":"success"}' },
  sign: 'hesda',
  expect: refusedBeforeRoute(413, 'PAYLOAD_TOO_LARGE'),
});

for (const [lie, event] of [
  ['longer', null],
  ['shorter', 'rejected'],
  ['non-numeric', null],
  ['doubled-different', null],
  ['with-chunked', null],
] as const)
  add('lying-content-length', {
    body: { json: hesdaUpdate() },
    sign: 'hesda',
    contentLength: lie,
    expect: { status: 400, code: 'BAD_REQUEST', body: 'error', event },
  });

// X-Hesda-Event is not signed: a signed body re-sent under another event header (or the same one
// written differently) is a repeat of the first delivery, counted on its row, never a new event.
{
  const body = { json: hesdaUpdate() };
  signed('event-header', body, kept(null));
  for (const event of ['TRANSACTION.UPDATE', 'ping', null])
    signed('event-header', body, kept(null), {
      headers: { ...JSON_CT, ...(event === null ? {} : { 'x-hesda-event': event }) },
    });
}
