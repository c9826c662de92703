import { describe, expect, it } from 'vitest';
import { addAdmin, auditEntries, signInAdmin } from '../helpers/admin.js';
import { addMember, TestDevice } from '../helpers/auth.js';
import { buyLicense, LICENSE_RULES, licenseApi } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';
const WINDOW_MS = 60_000;

/** The console's audit page, filtered to one action, as the operator opens it. */
async function consoleAudit(world: World, action: string): Promise<string> {
  const admin = await signInAdmin(world);
  const res = await admin.get(`/admin/audit?aksi=${encodeURIComponent(action)}`);
  expect(res.statusCode).toBe(200);
  return res.body;
}

describe.each(DIALECTS)('brute force is rate limited and audited where the operator looks (%s)', (dialect) => {
  const open = worldPerTest(dialect, async (w) => {
    await addAdmin(w);
    await addMember(w, ANI);
  });

  // Proves the finding fixed in src/licenses/api-rate-limit.ts: the license API's limiter now leaves a
  // security event, once per window per IP (not per refused request).
  it('one IP guessing license keys: 429 from the limit on, one audit entry per window, shown in the console', async () => {
    const world = await open({ LICENSE_API_MAX_PER_IP: '5', LICENSE_API_MAX_PER_KEY: '1000' });
    const guess = (i: number) =>
      licenseApi(world, 'validate', { key: `KEI-TEBA-${String(i).padStart(8, '0')}` }, '192.0.2.44');
    for (let i = 0; i < 5; i++) expect((await guess(i)).statusCode).toBe(200);
    for (let i = 5; i < 25; i++) expect((await guess(i)).statusCode).toBe(429);
    const [entry, ...more] = await auditEntries(world, 'license_api.rate_limited');
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ actor_type: 'system', ip: '192.0.2.44', target_type: 'ip', target_id: '192.0.2.44' });
    expect(JSON.parse(entry?.details ?? '{}')).toEqual({ limit: 'ip', max: 5, windowMs: WINDOW_MS });

    // The next window that overflows is noted again, once.
    world.runtime.advance(WINDOW_MS);
    for (let i = 0; i < 9; i++) await guess(100 + i);
    expect(await auditEntries(world, 'license_api.rate_limited')).toHaveLength(2);

    const page = await consoleAudit(world, 'license_api.rate_limited');
    expect(page).toContain('<code class="muted">license_api.rate_limited</code>');
    expect(page).toContain('192.0.2.44');
  });

  it('many IPs trying one key: 429 per key and one audit entry naming the key only cut short', async () => {
    const world = await open({ LICENSE_API_MAX_PER_KEY: '3', PRODUCT_RULES: LICENSE_RULES });
    const { key } = await buyLicense(world, 'Satu Perangkat');
    const answers = [];
    for (let i = 0; i < 10; i++)
      answers.push(
        (await licenseApi(world, 'activate', { key, fingerprint: `mesin-${i}` }, `198.51.100.${i}`)).statusCode,
      );
    expect(answers.filter((s) => s === 429)).toHaveLength(7);
    const entries = await auditEntries(world, 'license_api.rate_limited');
    expect(entries.map((e) => [e.target_type, e.ip])).toEqual([['license_key', '198.51.100.3']]);
    // Enough for the operator to recognise the license, never the key itself (the log is no key list).
    expect(entries[0]?.target_id).toBe(`${key.slice(0, 9)}…`);
    const page = await consoleAudit(world, 'license_api.rate_limited');
    expect(page).toContain(`${key.slice(0, 9)}…`);
    expect(page).not.toContain(key);
  });

  // Login: limits proven in test/auth/rate-limit.test.ts, the audit row in test/admin/security-events.test.ts;
  // here, per IP as well as per account, that the operator sees it in the console.
  it('password guessing from one IP over many accounts: 429 and one entry per window, shown in the console', async () => {
    const world = await open({ LOGIN_MAX_ATTEMPTS_PER_IP: '4' });
    const guesser = new TestDevice(world.app, { ip: '203.0.113.66' });
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await guesser.login(`korban${i}@example.com`, 'tebakan')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429, 429, 429, 429, 429]);
    const entries = await auditEntries(world, 'login.failures_exceeded');
    expect(entries.map((e) => [e.target_type, e.target_id, e.ip])).toEqual([['ip', '203.0.113.66', '203.0.113.66']]);
    const page = await consoleAudit(world, 'login.failures_exceeded');
    expect(page).toContain('<code class="muted">login.failures_exceeded</code>');
    expect(page).toContain('203.0.113.66');
  });
});
