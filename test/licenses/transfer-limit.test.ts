import { describe, expect, it } from 'vitest';
import { decideTransferReset } from '../../src/licenses/index.js';
import { ADMIN, addAdmin } from '../helpers/admin.js';
import { choosePassword, PASSWORD, TestDevice } from '../helpers/auth.js';
import { buyLicense, LICENSE_RULES, licenseApi, licenseDeps } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, devMailWorker, worldPerTest } from '../helpers/world.js';

const DAY = 86_400_000;
const BUYER = 'budi@example.com';
const RULES = JSON.stringify([
  ...JSON.parse(LICENSE_RULES),
  { title: 'Sekali Pindah', action: 'license', maxDevices: 1, maxTransfers: 1 },
]);

describe.each(DIALECTS)('license release limit (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect);
  const open = async (env: Record<string, string> = {}) => (world = await openWorld({ PRODUCT_RULES: RULES, ...env }));

  /** Activates a device and releases it again through the API. */
  const cycle = async (key: string, fingerprint: string) => {
    expect((await licenseApi(world, 'activate', { key, fingerprint })).statusCode).toBe(201);
    return licenseApi(world, 'deactivate', { key, fingerprint });
  };

  it('allows LICENSE_MAX_TRANSFERS releases per 30 days with the count left, then 429 until the oldest leaves', async () => {
    await open();
    const { key } = await buyLicense(world, 'Satu Perangkat');
    const firstAt = world.runtime.now();
    const left = [];
    for (const fp of ['A', 'B', 'C']) {
      const res = await cycle(key, fp);
      expect(res.statusCode).toBe(200);
      left.push(res.json().transfers_remaining);
      world.runtime.advance(DAY);
    }
    expect(left).toEqual([2, 1, 0]);
    const refused = await cycle(key, 'D');
    expect(refused.statusCode).toBe(429);
    const error = refused.json().error;
    expect(error).toMatchObject({ code: 'TRANSFER_LIMIT', max_transfers: 3, transfers_remaining: 0 });
    expect(error.retry_at).toBe(new Date(firstAt + 30 * DAY).toISOString());
    expect(Number(refused.headers['retry-after'])).toBe((firstAt + 30 * DAY - world.runtime.now()) / 1000);
    // D still holds the slot: an app at the device limit learns that releasing will not help now.
    const blocked = await licenseApi(world, 'activate', { key, fingerprint: 'E' });
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json().error.transfers_remaining).toBe(0);

    world.runtime.current = firstAt + 30 * DAY + 1;
    const again = await licenseApi(world, 'deactivate', { key, fingerprint: 'D' });
    expect(again.statusCode).toBe(200);
    expect(again.json().transfers_remaining).toBe(0);
  });

  it("a product rule's maxTransfers is the license's own limit; 0 in LICENSE_MAX_TRANSFERS turns the default off", async () => {
    await open({ LICENSE_MAX_TRANSFERS: '0' });
    const once = await buyLicense(world, 'Sekali Pindah' as never);
    expect((await cycle(once.key, 'A')).json().transfers_remaining).toBe(0);
    expect((await cycle(once.key, 'B')).statusCode).toBe(429);
    const free = await buyLicense(world, 'Satu Perangkat');
    for (const fp of ['A', 'B', 'C', 'D', 'E']) {
      const res = await cycle(free.key, fp);
      expect(res.statusCode).toBe(200);
      expect(res.json().transfers_remaining).toBeNull();
    }
  });

  it('of concurrent releases at the limit exactly the limit succeed', async () => {
    await open({ LICENSE_MAX_TRANSFERS: '2' });
    const { id, key } = await buyLicense(world, 'Tiga Perangkat');
    for (const fp of ['A', 'B', 'C'])
      expect((await licenseApi(world, 'activate', { key, fingerprint: fp })).statusCode).toBe(201);
    const answers = await Promise.all(
      ['A', 'B', 'C'].map((fp) => licenseApi(world, 'deactivate', { key, fingerprint: fp })),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 200, 429]);
    const live = await world.database.db
      .selectFrom('license_activations')
      .select('id')
      .where('license_id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    expect(live).toHaveLength(1);
  });

  /** The buyer, signed in on a browser, on "Lisensi saya". */
  const signedInBuyer = async () => {
    // The license purchase made the buyer's account; the buyer chose a password.
    await choosePassword(world, BUYER);
    const browser = new TestDevice(world.app, { ip: '10.1.2.3' });
    expect((await browser.login(BUYER, PASSWORD)).statusCode).toBe(303);
    return browser;
  };
  const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';

  it('the member sees what is left, is refused past it, asks for a reset by email and the seller approves it', async () => {
    await open({ LICENSE_MAX_TRANSFERS: '1' });
    const { id, key } = await buyLicense(world, 'Satu Perangkat');
    const browser = await signedInBuyer();
    await licenseApi(world, 'activate', { key, fingerprint: 'A' });
    let page = await browser.get('/member/lisensi');
    expect(page.body).toContain('Sisa pelepasan perangkat: 1 dari 1 (30 hari).');
    const activation = /data-activation-id="(\d+)"/.exec(page.body)?.[1];
    const released = await browser.post(
      `/member/lisensi/aktivasi/${activation}/lepas`,
      {},
      { csrf: csrfOf(page.body) },
    );
    expect(released.headers.location).toBe('/member/lisensi?dilepas=1');
    await licenseApi(world, 'activate', { key, fingerprint: 'B' });
    page = await browser.get('/member/lisensi');
    expect(page.body).toContain('Sisa pelepasan perangkat: 0 dari 1 (30 hari).');
    expect(page.body).toContain('Batas pelepasan perangkat tercapai. Bisa lagi mulai');
    expect(page.body).not.toContain('>Lepaskan<');
    // A release sent anyway (an old tab) is refused and says so.
    const b = /data-activation-id="(\d+)"/.exec(page.body)?.[1];
    const refused = await browser.post(`/member/lisensi/aktivasi/${b}/lepas`, {}, { csrf: csrfOf(page.body) });
    expect(refused.headers.location).toBe('/member/lisensi?batas=1');

    const asked = await browser.post(`/member/lisensi/${id}/minta-reset`, {}, { csrf: csrfOf(page.body) });
    expect(asked.headers.location).toBe('/member/lisensi?reset=1');
    // Asking twice sends one mail.
    await browser.post(`/member/lisensi/${id}/minta-reset`, {}, { csrf: csrfOf(page.body) });
    page = await browser.get('/member/lisensi?reset=1');
    expect(page.body).toContain('Permintaan reset menunggu konfirmasi lewat email Anda.');
    await devMailWorker(world).drain();
    const mails = await world.database.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('kind', '=', 'transfer_reset')
      .execute();
    expect(mails).toHaveLength(1);
    const link = /(\/reset-pelepasan\?token=[A-Za-z0-9_-]+)/.exec(mails[0]?.text_body ?? '')?.[1] ?? '';
    expect(link).not.toBe('');

    // Opened on a phone without a session: a button first (scanners), then the confirmation.
    const phone = new TestDevice(world.app);
    const confirmPage = await phone.get(link);
    expect(confirmPage.statusCode).toBe(200);
    const token = new URL(link, 'http://x').searchParams.get('token') ?? '';
    const confirmed = await phone.post('/reset-pelepasan', { token }, { csrf: csrfOf(confirmPage.body) });
    expect(confirmed.body).toContain('Penjual akan memeriksanya');
    expect((await phone.post('/reset-pelepasan', { token }, { csrf: csrfOf(confirmPage.body) })).statusCode).toBe(410);
    page = await browser.get('/member/lisensi');
    expect(page.body).toContain('Permintaan reset menunggu persetujuan penjual.');

    await addAdmin(world);
    const request = await world.database.db
      .selectFrom('transfer_reset_requests')
      .select('id')
      .where('license_id', '=', id)
      .executeTakeFirstOrThrow();
    const actor = { type: 'admin' as const, id: 1, label: ADMIN, ip: null };
    world.runtime.advance(1000);
    expect((await decideTransferReset(licenseDeps(world), request.id, true, actor)).ok).toBe(true);
    page = await browser.get('/member/lisensi');
    expect(page.body).toContain('Sisa pelepasan perangkat: 1 dari 1 (30 hari).');
    expect((await licenseApi(world, 'deactivate', { key, fingerprint: 'B' })).statusCode).toBe(200);
  });

  it('under LICENSE_TRANSFER_RESET=monthly the first confirmed request is granted at once, the next waits', async () => {
    await open({ LICENSE_MAX_TRANSFERS: '1', LICENSE_TRANSFER_RESET: 'monthly' });
    const { id, key } = await buyLicense(world, 'Satu Perangkat');
    const browser = await signedInBuyer();
    const worker = devMailWorker(world);
    const askAndConfirm = async () => {
      await cycle(key, `X${world.runtime.now()}`);
      await licenseApi(world, 'activate', { key, fingerprint: 'Z' });
      const page = await browser.get('/member/lisensi');
      await browser.post(`/member/lisensi/${id}/minta-reset`, {}, { csrf: csrfOf(page.body) });
      await worker.drain();
      const mail = await world.database.db
        .selectFrom('mail_outbox')
        .select('text_body')
        .where('kind', '=', 'transfer_reset')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      const token = /token=([A-Za-z0-9_-]+)/.exec(mail.text_body ?? '')?.[1] ?? '';
      const confirmPage = await browser.get(`/reset-pelepasan?token=${token}`);
      return browser.post('/reset-pelepasan', { token }, { csrf: csrfOf(confirmPage.body) });
    };
    expect((await askAndConfirm()).body).toContain('Reset sudah berlaku');
    await licenseApi(world, 'deactivate', { key, fingerprint: 'Z' });
    world.runtime.advance(DAY);
    expect((await askAndConfirm()).body).toContain('Penjual akan memeriksanya');
    const states = await world.database.db
      .selectFrom('transfer_reset_requests')
      .select(['status', 'decided_by'])
      .orderBy('id')
      .execute();
    expect(states).toEqual([
      { status: 'approved', decided_by: 'otomatis' },
      { status: 'pending', decided_by: null },
    ]);
  });
});
