import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { revokeLicense } from '../../src/licenses/index.js';
import { addAdmin, auditEntries, csrfOf, signInAdmin } from '../helpers/admin.js';
import { location } from '../helpers/auth.js';
import { buyLicense, licenseDeps } from '../helpers/license-world.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';
import { Receiver, webhookWorker } from '../webhooks-out/receiver.js';

const PAGE = '/admin/webhook-keluar';

describe.each(DIALECTS)('console: Webhook keluar (%s)', (dialect) => {
  const open = worldPerTest(dialect, (w) => addAdmin(w));
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  /** An admin adds an endpoint for a real receiver through the form; the page shows its secret. */
  const addThroughConsole = async (world: World, form: Record<string, string> = {}) => {
    receiver = new Receiver(() => Math.floor(world.runtime.now() / 1000));
    const url = await receiver.start();
    const admin = await signInAdmin(world);
    const list = await admin.get(PAGE);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Tambah endpoint');
    const created = await admin.post(PAGE, { url, description: 'Server toko', ...form }, { csrf: csrfOf(list.body) });
    expect(created.statusCode).toBe(303);
    const detailUrl = String(location(created)).split('?')[0] ?? '';
    expect(detailUrl).toMatch(/^\/admin\/webhook-keluar\/\d+$/);
    const detail = await admin.get(detailUrl);
    const secret = /id="endpoint-secret">(whsec_[A-Za-z0-9+/=]+)</.exec(detail.body)?.[1];
    expect(secret).toBeDefined();
    receiver.secret = secret ?? '';
    return { admin, detailUrl, detail, receiver };
  };

  it('adds an endpoint, sends a test event signed with the secret it shows, and audits it without the secret', async () => {
    const world = await open();
    const { admin, detailUrl, detail, receiver } = await addThroughConsole(world);
    expect(detail.body).toContain('semua event');
    const test = await admin.post(`${detailUrl}/uji`, {}, { csrf: csrfOf(detail.body) });
    expect(location(test)).toBe(`${detailUrl}?pesan=uji-dikirim`);
    await webhookWorker(world).drain();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({ type: 'webhook.test', signatureValid: true, status: 204 });
    const log = await admin.get(detailUrl);
    expect(log.body).toContain(receiver.received[0]?.id);
    expect(log.body).toContain('terkirim');
    for (const action of ['webhook_endpoint.create', 'webhook_endpoint.test'])
      expect(await auditEntries(world, action)).toHaveLength(1);
    const audit = JSON.stringify(await auditEntries(world));
    expect(audit).not.toContain(receiver.secret);
    expect(audit).not.toContain(receiver.secret.slice(6));
  });

  it('the delivery log shows failed attempts with the receiver’s answer; "Kirim ulang" sends the same id again', async () => {
    const world = await open({ PRODUCT_RULES: JSON.stringify([{ title: 'Satu', action: 'license' }]) });
    const { admin, detailUrl, receiver } = await addThroughConsole(world, { events: 'license.revoked' });
    const { id } = await buyLicense(world, 'Satu' as 'Satu Perangkat');
    receiver.failWith = 503;
    await revokeLicense(licenseDeps(world), id, CLI_ACTOR);
    const worker = webhookWorker(world);
    await worker.drain();
    const detail = await admin.get(detailUrl);
    // The filter: only license.revoked was queued for this endpoint, not license.issued.
    expect(detail.body).toContain('license.revoked');
    expect(detail.body).not.toContain('license.issued');
    const deliveryUrl = /href="(\/admin\/webhook-keluar\/pengiriman\/\d+)"/.exec(detail.body)?.[1] ?? '';
    const delivery = await admin.get(deliveryUrl);
    expect(delivery.statusCode).toBe(200);
    expect(delivery.body).toContain('503');
    expect(delivery.body).toContain('sedang gangguan');
    expect(delivery.body).toContain('menunggu');
    receiver.failWith = null;
    const resend = await admin.post(`${deliveryUrl}/kirim-ulang`, {}, { csrf: csrfOf(delivery.body) });
    expect(location(resend)).toBe(`${deliveryUrl}?pesan=kirim-ulang`);
    await worker.drain();
    expect(receiver.received.map((r) => r.status)).toEqual([503, 204]);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    // Sent: "Kirim ulang" again delivers it once more, still under that id (the receiver drops it).
    await admin.post(`${deliveryUrl}/kirim-ulang`, {}, { csrf: csrfOf(delivery.body) });
    await worker.drain();
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    expect(await auditEntries(world, 'webhook_delivery.resend')).toHaveLength(2);
  });

  it('a paused endpoint gets no new events; a new secret signs from the next delivery on', async () => {
    const world = await open();
    const { admin, detailUrl, receiver } = await addThroughConsole(world);
    let page = await admin.get(detailUrl);
    await admin.post(`${detailUrl}/aktif`, { enabled: '0' }, { csrf: csrfOf(page.body) });
    page = await admin.get(detailUrl);
    expect(page.body).toContain('nonaktif');
    await buyLicense(world, 'Satu Perangkat');
    expect(await world.database.db.selectFrom('webhook_deliveries').select('id').execute()).toEqual([]);
    await admin.post(`${detailUrl}/aktif`, { enabled: '1' }, { csrf: csrfOf(page.body) });
    const old = receiver.secret;
    page = await admin.get(detailUrl);
    await admin.post(`${detailUrl}/rahasia`, {}, { csrf: csrfOf(page.body) });
    page = await admin.get(detailUrl);
    receiver.secret = /id="endpoint-secret">(whsec_[^<]+)</.exec(page.body)?.[1] ?? '';
    expect(receiver.secret).not.toBe(old);
    await admin.post(`${detailUrl}/uji`, {}, { csrf: csrfOf(page.body) });
    await webhookWorker(world).drain();
    expect(receiver.received.map((r) => [r.type, r.signatureValid])).toEqual([['webhook.test', true]]);
  });

  it('refuses an endpoint that is not an http(s) URL, or an unknown event, with 400 and writes nothing', async () => {
    const world = await open();
    const admin = await signInAdmin(world);
    const page = await admin.get(PAGE);
    const forms: Record<string, string>[] = [
      { url: 'javascript:alert(1)' },
      { url: 'file:///etc/passwd' },
      { url: 'https://toko.example/hook', events: 'order.dibatalkan' },
    ];
    for (const form of forms) {
      const res = await admin.post(PAGE, form, { csrf: csrfOf(page.body) });
      expect([form.url, res.statusCode]).toEqual([form.url, 400]);
      expect(res.body).toContain('Isi URL http(s) yang lengkap');
    }
    expect(await world.database.db.selectFrom('webhook_endpoints').select('id').execute()).toEqual([]);
  });
});
