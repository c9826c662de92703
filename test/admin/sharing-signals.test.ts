import { describe, expect, it } from 'vitest';
import { suspectedSharing } from '../../src/admin/sharing-service.js';
import type { DeviceEventKind } from '../../src/db/index.js';
import { storedProductRules } from '../../src/products/index.js';
import { addAdmin, csrfOf, expectAudited, signInAdmin } from '../helpers/admin.js';
import { addMember, PASSWORD, TestDevice } from '../helpers/auth.js';
import { buyLicense, LICENSE_RULES } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(DIALECTS)('sharing signals in the console (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect);

  /** Writes a history as the login and license services would have recorded it. */
  const seed = async (
    rows: { member?: number; license?: number; kind: DeviceEventKind; device?: number; ip?: string; ago: number }[],
  ) => {
    for (const r of rows)
      await world.database.db
        .insertInto('device_events')
        .values({
          member_id: r.member ?? null,
          license_id: r.license ?? null,
          kind: r.kind,
          device_id: r.device ?? null,
          ip_prefix: r.ip ?? null,
          browser: 'Chrome',
          os: 'Windows',
          at: world.runtime.now() - r.ago,
        })
        .execute();
  };

  it('ranks members and licenses by the documented score over 7 and 30 days, with the evidence', async () => {
    world = await openWorld({ PRODUCT_RULES: LICENSE_RULES });
    const sharer = await addMember(world, 'berbagi@example.com');
    const quiet = await addMember(world, 'biasa@example.com');
    const old = await addMember(world, 'dulu@example.com');
    // Sharer: 4 takeovers (one this week), 1 refused, 2 conflicts, 4 devices on 3 networks.
    await seed([
      { member: sharer, kind: 'login', device: 1, ip: '10.0.1.0/24', ago: 20 * DAY },
      { member: sharer, kind: 'takeover', device: 2, ip: '10.0.2.0/24', ago: 20 * DAY - HOUR },
      { member: sharer, kind: 'takeover', device: 1, ip: '10.0.1.0/24', ago: 19 * DAY },
      { member: sharer, kind: 'conflict', device: 3, ip: '2001:db8:1::/48', ago: 12 * DAY },
      { member: sharer, kind: 'takeover', device: 3, ip: '2001:db8:1::/48', ago: 12 * DAY - 60_000 },
      { member: sharer, kind: 'conflict', device: 4, ip: '10.0.2.0/24', ago: 2 * DAY },
      { member: sharer, kind: 'takeover', device: 4, ip: '10.0.2.0/24', ago: 2 * DAY - 60_000 },
      { member: sharer, kind: 'takeover_refused', device: 1, ip: '10.0.1.0/24', ago: 2 * DAY - HOUR },
      // A phone and a laptop at home and on mobile data, one takeover: an ordinary member.
      { member: quiet, kind: 'login', device: 5, ip: '10.9.9.0/24', ago: 3 * DAY },
      { member: quiet, kind: 'takeover', device: 6, ip: '10.8.8.0/24', ago: 3 * DAY - HOUR },
      // Shared long ago: outside the 30 days, it no longer counts.
      ...[1, 2, 3, 4, 5].map((i) => ({ member: old, kind: 'takeover' as const, device: 10 + i, ago: 40 * DAY })),
    ]);
    const cycled = await buyLicense(world, 'Satu Perangkat');
    await seed([
      ...[1, 2, 3].map((i) => ({ license: cycled.id, kind: 'release' as const, ip: '198.51.100.0/24', ago: i * DAY })),
      { license: cycled.id, kind: 'activation_refused', ago: HOUR },
    ]);

    const members = await suspectedSharing(world.database.db, 'member', world.runtime.now());
    expect(members.map((m) => m.label)).toEqual(['berbagi@example.com']);
    const top = members[0];
    // 3×4 takeovers + 2×(2 conflicts + 1 refused) + 2×(4−2 devices) + 1×(3−2 networks) = 12 + 6 + 4 + 1.
    expect(top?.score).toBe(23);
    expect(top?.counts).toEqual({
      7: { moves: 1, attempts: 2, devices: 2, ipPrefixes: 2 },
      30: { moves: 4, attempts: 3, devices: 4, ipPrefixes: 3 },
    });
    const licenses = await suspectedSharing(world.database.db, 'license', world.runtime.now());
    // 3×3 releases + 2×1 refused activation.
    expect(licenses.map((l) => [l.id, l.score])).toEqual([[cycled.id, 11]]);

    const adminId = await addAdmin(world);
    const admin = await signInAdmin(world);
    const list = await admin.get('/admin/berbagi');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Dicurigai berbagi akun');
    expect(list.body).toContain(`href="/admin/berbagi/member/${sharer}"`);
    expect(list.body).not.toContain('biasa@example.com');
    expect(list.body).toContain(cycled.key);

    const evidence = await admin.get(`/admin/berbagi/member/${sharer}`);
    expect(evidence.statusCode).toBe(200);
    expect(evidence.body).toContain('<svg class="chart" id="takeover-chart"');
    expect((evidence.body.match(/<rect /g) ?? []).length).toBe(30);
    expect(evidence.body).toContain('2001:db8:1::/48');
    expect(evidence.body).toContain('Chrome · Windows');
    expect(evidence.body).toContain('id="sharing-score">23<');

    // Reset without the confirmation box: refused; with it: audited, and the evidence stays.
    const csrf = csrfOf(evidence.body);
    const unconfirmed = await admin.post(`/admin/berbagi/member/${sharer}/reset-ambil-alih`, {}, { csrf });
    expect(unconfirmed.headers.location).toContain('konfirmasi-reset');
    const reset = await admin.post(`/admin/berbagi/member/${sharer}/reset-ambil-alih`, { confirm: 'ya' }, { csrf });
    expect(reset.headers.location).toContain('ambil-alih-reset');
    await expectAudited(world, 'member.takeover_count_reset', {
      actorId: adminId,
      ip: '203.0.113.7',
      target: ['member', sharer],
    });
    const row = await world.database.db
      .selectFrom('members')
      .select('takeovers_reset_at')
      .where('id', '=', sharer)
      .executeTakeFirstOrThrow();
    expect(Number(row.takeovers_reset_at)).toBe(world.runtime.now());

    const releases = await admin.post(`/admin/lisensi/${cycled.id}/reset-pelepasan`, { confirm: 'ya' }, { csrf });
    expect(releases.headers.location).toContain('pelepasan-reset');
    await expectAudited(world, 'license.transfer_count_reset', {
      actorId: adminId,
      ip: '203.0.113.7',
      target: ['license', cycled.id],
    });
  });

  it("the console's product rules carry maxTransfers and takeoverLimit into what webhooks apply", async () => {
    world = await openWorld();
    await addAdmin(world);
    const admin = await signInAdmin(world);
    const csrf = csrfOf((await admin.get('/admin/produk')).body);
    const base = { match: 'title', maxDevices: '1', validityDays: '', onLimit: 'refuse', offlineGraceDays: '' };
    for (const rule of [
      { ...base, value: 'Kelas Member', action: 'member', takeoverLimit: '2', maxTransfers: '' },
      { ...base, value: 'Aplikasi', action: 'license', takeoverLimit: '', maxTransfers: '0' },
    ])
      expect((await admin.post('/admin/produk', rule, { csrf })).statusCode).toBe(303);
    const page = await admin.get('/admin/produk');
    expect(page.body).toContain('pendaftaran member, selamanya, ambil alih maks. 2');
    expect(page.body).toContain('pelepasan maks. 0 per 30 hari');
    const stored = await storedProductRules(world.database.db);
    expect(stored.map((r) => [r.title, r.takeoverLimit, r.maxTransfers])).toEqual([
      ['Kelas Member', 2, undefined],
      ['Aplikasi', undefined, 0],
    ]);
  });

  it('a member cannot open the console page', async () => {
    world = await openWorld();
    await addMember(world, 'ani@example.com');
    const member = new TestDevice(world.app);
    await member.login('ani@example.com', PASSWORD);
    expect((await member.get('/admin/berbagi')).statusCode).toBe(403);
  });
});
