import type { Expectation } from './entry.js';
import { corpusSection, FORM_CT, HOSTILE, HTML, hostileCategory, JSON_CT, refused, SQL, TEN_MB } from './entry.js';

/** The public license API: activate, validate, deactivate (JSON, no cookies). `{{licenseKey}}`: the seeded key. */
const section = corpusSection('license', { headers: JSON_CT });
export const licenseApiEntries = section.entries;

type Action = 'activate' | 'validate' | 'deactivate';
const ACTIONS: Action[] = ['activate', 'validate', 'deactivate'];
const add = (category: string, action: Action, entry: Parameters<typeof section.add>[1]) =>
  section.add(category, { path: `/api/licenses/${action}`, ...entry });

const badPayload = refused(400, 'INVALID_PAYLOAD');
// Validate answers 200 with a verdict for an unknown key (as Keygen's validate); the others 404.
const notFound = (action: Action): Expectation =>
  action === 'validate'
    ? { status: 200, body: 'verdict', code: 'LICENSE_NOT_FOUND' }
    : refused(404, 'LICENSE_NOT_FOUND');
const bodies: Record<Action, Record<string, string>> = {
  activate: { key: '{{licenseKey}}', fingerprint: 'machine-1', name: 'Laptop' },
  validate: { key: '{{licenseKey}}', fingerprint: 'machine-1' },
  deactivate: { key: '{{licenseKey}}', fingerprint: 'machine-1' },
};

for (const action of ACTIONS) {
  const body = bodies[action];
  const text = JSON.stringify(body);
  for (const cut of [1, 10, text.length - 1])
    add('truncated-json', action, { body: { text: text.slice(0, cut) }, expect: refused(400, 'INVALID_JSON') });
  add('deep-nesting', action, {
    body: { nest: { depth: 10000, open: '[', close: ']', core: '' } },
    expect: badPayload,
  });
  add('deep-nesting', action, {
    body: { nest: { depth: 10000, open: '{"key":', close: '}', core: '"k"' } },
    expect: badPayload,
  });
  add('deep-nesting', action, {
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
  for (const field of Object.keys(body))
    for (const value of [null, 7, true, ['x'], { $gt: '' }, ''])
      add('wrong-types', action, {
        body: { json: { ...body, [field]: value } },
        expect:
          field === 'name' && value === '' ? { status: 201, body: 'ok', writes: ['license_activations'] } : badPayload,
      });
  add('wrong-types', action, { body: { text: '"{\\"key\\":\\"x\\"}"' }, expect: badPayload });
  add('huge-strings', action, { body: { json: { ...body, key: 'K'.repeat(800_000) } }, expect: badPayload });
  add('huge-strings', action, { body: { json: { ...body, fingerprint: 'f'.repeat(300) } }, expect: badPayload });
  const invalid = Buffer.concat([
    Buffer.from('{"key":"KEI-'),
    Buffer.from([0xff, 0xc0, 0xed, 0xa0, 0x80]),
    Buffer.from('","fingerprint":"x"}'),
  ]);
  // Bytes that are not UTF-8 are refused as such, not read with replacement characters.
  add('invalid-utf8', action, { body: { base64: invalid.toString('base64') }, expect: refused(400, 'INVALID_JSON') });
  add('duplicate-keys', action, {
    body: { text: '{"key":"{{licenseKey}}","key":"KEI-NOPE","fingerprint":"m"}' },
    expect: notFound(action),
  });
  add('duplicate-keys', action, {
    body: { text: '{"key":"KEI-NOPE","fingerprint":"m","fingerprint":{"a":1}}' },
    expect: badPayload,
  });
  for (const key of ['__proto__', 'constructor'])
    add('prototype-pollution', action, {
      body: {
        text: `{"${key}":{"polluted":"yes","prototype":{"polluted":"yes"}},"key":"{{licenseKey}}","fingerprint":"m"}`,
      },
      expect: refused(400, 'INVALID_JSON'),
    });
  add('prototype-pollution', action, {
    body: { text: '{"constructor":{"polluted":"yes"},"key":"KEI-NOPE","fingerprint":"m"}' },
    expect: notFound(action),
  });
  add('prototype-pollution', action, {
    body: { text: '{"key":"KEI-NOPE","fingerprint":"m","prototype":{"polluted":"yes"}}' },
    expect: notFound(action),
  });
  add('prototype-pollution', action, {
    headers: FORM_CT,
    body: { text: '__proto__[polluted]=yes&constructor[prototype][polluted]=yes&key=KEI-NOPE&fingerprint=m' },
    expect: notFound(action),
  });
  for (const type of [null, 'text/plain', 'multipart/form-data; boundary=x'])
    add('content-types', action, {
      headers: type ? { 'content-type': type } : {},
      body: { json: body },
      expect: type === 'text/plain' ? badPayload : refused(415, 'UNSUPPORTED_MEDIA_TYPE'),
    });
  add('content-types', action, {
    headers: FORM_CT,
    body: { text: 'key=KEI-NOPE&fingerprint=m' },
    expect: notFound(action),
  });
  add('empty-body', action, { body: null, expect: refused(400, 'INVALID_JSON') });
  add('empty-body', action, { body: { text: '{}' }, expect: badPayload });
  add('10mb-body', action, {
    body: { repeat: '1', bytes: TEN_MB, prefix: '{"key":"', suffix: '"}' },
    expect: refused(413, 'PAYLOAD_TOO_LARGE'),
  });
  for (const lie of ['longer', 'shorter', 'non-numeric', 'doubled-different'] as const)
    add('lying-content-length', action, {
      body: { json: body },
      contentLength: lie,
      expect: refused(400, 'BAD_REQUEST'),
    });
}

// SQL and HTML in every string field: unknown keys are refused alike; on the real key a hostile
// fingerprint simply names another machine, and a hostile device name is stored literally.
HOSTILE.forEach((value, i) => {
  const action = ACTIONS[i % 3] ?? 'validate';
  add(hostileCategory(value), action, { body: { json: { ...bodies[action], key: value } }, expect: notFound(action) });
  if (action !== 'activate')
    add(hostileCategory(value), action, {
      body: { json: { ...bodies[action], fingerprint: value } },
      expect:
        action === 'validate' ? { status: 200, body: 'verdict', code: 'NOT_ACTIVATED' } : refused(404, 'NOT_ACTIVATED'),
    });
});
add('html-in-strings', 'activate', {
  body: { json: { key: '{{licenseKey}}', fingerprint: SQL[1], name: HTML[1] } },
  expect: {
    status: 201,
    body: 'ok',
    writes: ['license_activations'],
    literal: [{ table: 'license_activations', match: {}, column: 'name', text: HTML[1] ?? '', latest: true }],
  },
});
// The buyer has an account (every buyer does), whose open pages are told: a realtime event.
add('sql-in-strings', 'deactivate', {
  body: { json: { key: '{{licenseKey}}', fingerprint: SQL[1] } },
  // A release is counted (device_events) against the license's release limit.
  expect: { status: 200, body: 'ok', writes: ['license_activations', 'device_events', 'realtime_events'] },
});
for (const json of [
  { key: 'KEI-NOPE', activation_id: 1, fingerprint: 'both' },
  { key: 'KEI-NOPE', activation_id: -1 },
  { key: 'KEI-NOPE', activation_id: 1e300 },
])
  add('wrong-types', 'deactivate', { body: { json }, expect: badPayload });
