import type { EntryInput, Expectation } from './entry.js';
import {
  corpusSection,
  FORM_CT,
  HOSTILE,
  HTML,
  hostileCategory,
  JSON_CT,
  refused,
  TEN_MB,
  WRONG_TYPES,
  withBytes,
} from './entry.js';

/** The login form and the link/takeover posts (with the CSRF pair from GET /login unless told). */
const LOGIN_JSON = { ...JSON_CT, accept: 'application/json' };
const FORM_JSON = { ...FORM_CT, accept: 'application/json' };
const section = corpusSection('login', { headers: LOGIN_JSON });
export const loginEntries = section.entries;
const add = (category: string, path: string, entry: Omit<EntryInput, 'path'>) =>
  section.add(category, { path, csrf: 'valid', ...entry });

const badLogin = refused(400, 'BAD_REQUEST');
const LOGIN_OK = { email: 'tamu@example.com', password: 'salah-sekali', fingerprint: 'a'.repeat(64) };
const TOKEN_OK = { token: 'T'.repeat(40), fingerprint: 'b'.repeat(64) };
/** Each token path, what a malformed request gets, and what a well-formed unknown token gets. */
const tokenPaths: [string, Expectation, Expectation][] = [
  ['/login/ambil-alih', refused(410, 'TAKEOVER_EXPIRED'), refused(410, 'TAKEOVER_EXPIRED')],
  ['/login/tautan', refused(410, 'LINK_INVALID'), refused(410, 'LINK_INVALID')],
  ['/login/batal', badLogin, { status: 200, body: 'ok' }],
];

const whole = JSON.stringify(LOGIN_OK);
for (const cut of [1, 8, 20, whole.length - 1])
  add('truncated-json', '/login', { body: { text: whole.slice(0, cut) }, expect: refused(400, 'INVALID_JSON') });
for (const [path] of tokenPaths)
  add('truncated-json', path, {
    body: { text: JSON.stringify(TOKEN_OK).slice(0, 15) },
    expect: refused(400, 'INVALID_JSON'),
  });
add('truncated-json', '/login/tautan/kirim', { body: { text: '{"email":"a@' }, expect: refused(400, 'INVALID_JSON') });

add('deep-nesting', '/login', { body: { nest: { depth: 10000, open: '[', close: ']', core: '' } }, expect: badLogin });
add('deep-nesting', '/login', {
  body: { nest: { depth: 10000, open: '{"email":', close: '}', core: '"x"' } },
  expect: badLogin,
});
add('deep-nesting', '/login/tautan/kirim', {
  body: { nest: { depth: 10000, open: '{"email":', close: '}', core: '"x@y.z"' } },
  expect: badLogin,
});
for (const [path, bad] of tokenPaths)
  add('deep-nesting', path, {
    body: { nest: { depth: 10000, open: '{"token":', close: '}', core: '1' } },
    expect: bad,
  });

for (const field of ['email', 'password', 'fingerprint', 'takeover'])
  for (const value of WRONG_TYPES.slice(0, 9)) {
    const fine = (field === 'takeover' && value === true) || (field === 'fingerprint' && value === '');
    add('wrong-types', '/login', {
      body: { json: { ...LOGIN_OK, [field]: value } },
      expect: fine ? refused(401, 'INVALID_CREDENTIALS') : badLogin,
    });
  }
for (const [path, bad] of tokenPaths)
  for (const value of [null, 7, ['x'.repeat(40)], { $gt: '' }])
    add('wrong-types', path, { body: { json: { ...TOKEN_OK, token: value } }, expect: bad });
for (const value of [null, 7, ['a@b.c'], { $ne: 1 }])
  add('wrong-types', '/login/tautan/kirim', { body: { json: { email: value } }, expect: badLogin });

add('huge-strings', '/login', {
  body: { json: { ...LOGIN_OK, email: `${'a'.repeat(500_000)}@example.com` } },
  expect: badLogin,
});
add('huge-strings', '/login', { body: { json: { ...LOGIN_OK, password: 'p'.repeat(900_000) } }, expect: badLogin });
add('huge-strings', '/login', { body: { json: { ...LOGIN_OK, fingerprint: 'a'.repeat(100_000) } }, expect: badLogin });
add('huge-strings', '/login/tautan/kirim', { body: { json: { email: 'e'.repeat(300_000) } }, expect: badLogin });
for (const [path, bad] of tokenPaths)
  add('huge-strings', path, { body: { json: { ...TOKEN_OK, token: 'T'.repeat(500_000) } }, expect: bad });

// A JSON body with bytes that are not UTF-8 where the address's "@" was: refused as not JSON (it is
// not read with replacement characters); the same bytes URL-encoded in a form are a wrong login.
const withBadBytes = JSON.stringify({ ...LOGIN_OK, email: 'x@@example.com' });
for (const bytes of ['ff', 'c0af', 'eda080'])
  add('invalid-utf8', '/login', {
    body: { base64: withBytes(withBadBytes, bytes, 1) },
    expect: refused(400, 'INVALID_JSON'),
  });
add('invalid-utf8', '/login', {
  headers: FORM_JSON,
  body: { text: 'email=%FF%FE%40x&password=%C0%AF&fingerprint=' },
  expect: refused(401, 'INVALID_CREDENTIALS'),
});
add('invalid-utf8', '/login/tautan', {
  body: {
    base64: Buffer.concat([Buffer.from('{"token":"'), Buffer.alloc(30, 0xff), Buffer.from('"}')]).toString('base64'),
  },
  expect: refused(400, 'INVALID_JSON'),
});

add('duplicate-keys', '/login', {
  body: { text: '{"email":"a@b.c","email":"tamu@example.com","password":"x","password":"salah-sekali"}' },
  expect: refused(401, 'INVALID_CREDENTIALS'),
});
add('duplicate-keys', '/login', {
  body: { text: '{"email":"tamu@example.com","password":"x","takeover":true,"takeover":"maybe"}' },
  expect: badLogin,
});
add('duplicate-keys', '/login', {
  headers: FORM_JSON,
  body: { text: 'email=a%40b.c&email=tamu%40example.com&password=x' },
  expect: badLogin,
});
add('duplicate-keys', '/login/ambil-alih', {
  body: { text: `{"token":"${'T'.repeat(40)}","token":"${'U'.repeat(40)}"}` },
  expect: refused(410, 'TAKEOVER_EXPIRED'),
});

for (const [path, level] of [
  [
    '/login',
    (k: string) => `{"${k}":{"role":"admin","polluted":"yes"},"email":"tamu@example.com","password":"salah-sekali"}`,
  ],
  ['/login', (k: string) => `{"email":{"${k}":{"polluted":"yes"}},"password":"salah-sekali"}`],
  ['/login/tautan', (k: string) => `{"${k}":{"polluted":"yes"},"token":"${'T'.repeat(40)}"}`],
  ['/login/tautan/kirim', (k: string) => `{"email":"a@b.c","${k}":{"prototype":{"polluted":"yes"}}}`],
] as const)
  for (const key of ['__proto__', 'constructor']) {
    // secure-json-parse refuses any __proto__ and a constructor that carries a prototype; a plain
    // "constructor" key is only data, and the request goes on to the usual checks.
    const text = level(key);
    const plainData = key === 'constructor' && !text.includes('"prototype"');
    const afterParse =
      path === '/login'
        ? text.startsWith('{"email":{')
          ? badLogin
          : refused(401, 'INVALID_CREDENTIALS')
        : refused(410, 'LINK_INVALID');
    add('prototype-pollution', path, { body: { text }, expect: plainData ? afterParse : refused(400, 'INVALID_JSON') });
  }
for (const key of ['__proto__', 'constructor', 'prototype'])
  add('prototype-pollution', '/login', {
    headers: FORM_JSON,
    body: { text: `${key}[polluted]=yes&${key}=x&email=tamu%40example.com&password=salah-sekali` },
    expect: refused(401, 'INVALID_CREDENTIALS'),
  });
add('prototype-pollution', '/login', {
  body: { text: '{"prototype":{"polluted":"yes"},"email":"tamu@example.com","password":"salah-sekali"}' },
  expect: refused(401, 'INVALID_CREDENTIALS'),
});

// SQL and HTML in every string field: the same generic refusal, nothing stored but the counters.
HOSTILE.forEach((value, i) => {
  const category = hostileCategory(value);
  add(category, '/login', {
    body: { json: { ...LOGIN_OK, email: `${value}@example.com` } },
    expect: refused(401, 'INVALID_CREDENTIALS'),
  });
  add(category, '/login', {
    body: { json: { ...LOGIN_OK, password: value } },
    expect: refused(401, 'INVALID_CREDENTIALS'),
  });
  if (i % 2 === 0) add(category, '/login', { body: { json: { ...LOGIN_OK, fingerprint: value } }, expect: badLogin });
  // No account enumeration: any address gets "accepted" (and only a rate-limit counter is written).
  add(category, '/login/tautan/kirim', { body: { json: { email: value } }, expect: { status: 202, body: 'ok' } });
  const tokenPath = tokenPaths[i % tokenPaths.length];
  if (!tokenPath) return;
  const [path, , wellFormed] = tokenPath;
  add(category, path, { body: { json: { ...TOKEN_OK, token: `${value}${'x'.repeat(20)}` } }, expect: wellFormed });
});
add('html-in-strings', '/login', {
  headers: { ...FORM_CT, accept: 'text/html' },
  body: { text: `email=${encodeURIComponent(HTML[0] ?? '')}&password=x` },
  expect: { status: 401, body: 'html' },
});

// The login posts' "signature" is the CSRF token: missing, forged or doubled on every form post.
for (const path of ['/login', '/login/ambil-alih', '/login/tautan', '/login/batal', '/login/tautan/kirim']) {
  add('csrf-token', path, { csrf: 'none', body: { json: LOGIN_OK }, expect: refused(403, 'CSRF_REJECTED') });
  add('csrf-token', path, { csrf: 'forged', body: { json: LOGIN_OK }, expect: refused(403, 'CSRF_REJECTED') });
}
add('csrf-token', '/login', { csrf: 'doubled', body: { json: LOGIN_OK }, expect: refused(403, 'CSRF_REJECTED') });
for (const body of [LOGIN_OK, { ...LOGIN_OK, _csrf: { $ne: '' } }, { ...LOGIN_OK, _csrf: ['a', 'b'] }])
  add('csrf-token', '/login', { csrf: 'cookie-only', body: { json: body }, expect: refused(403, 'CSRF_REJECTED') });

for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml', null])
  add('content-types', '/login', {
    headers: { accept: 'application/json', ...(type ? { 'content-type': type } : {}) },
    body: { json: LOGIN_OK },
    expect: type === 'text/plain' ? badLogin : refused(415, 'UNSUPPORTED_MEDIA_TYPE'),
  });
add('content-types', '/login/tautan/kirim', {
  headers: { 'content-type': 'text/plain', accept: 'application/json' },
  body: { text: 'email=a@b.c' },
  expect: badLogin,
});
add('content-types', '/login/ambil-alih', {
  headers: { 'content-type': 'application/octet-stream', accept: 'application/json' },
  body: { text: 'x' },
  expect: refused(415, 'UNSUPPORTED_MEDIA_TYPE'),
});

add('empty-body', '/login', { body: null, expect: refused(400, 'INVALID_JSON') });
add('empty-body', '/login', { headers: FORM_JSON, body: null, expect: badLogin });
add('empty-body', '/login/tautan/kirim', { body: { text: '{}' }, expect: badLogin });
for (const [path, bad] of tokenPaths) add('empty-body', path, { body: { text: '{}' }, expect: bad });

add('10mb-body', '/login', { body: { repeat: 'a', bytes: TEN_MB }, expect: refused(413, 'PAYLOAD_TOO_LARGE') });
add('10mb-body', '/login/tautan/kirim', {
  headers: FORM_JSON,
  body: { repeat: 'a', bytes: TEN_MB, prefix: 'email=' },
  expect: refused(413, 'PAYLOAD_TOO_LARGE'),
});
for (const lie of ['longer', 'shorter', 'non-numeric', 'with-chunked'] as const)
  add('lying-content-length', '/login', { body: { json: LOGIN_OK }, contentLength: lie, expect: badLogin });
