import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fonnteTransport, normalizeIndonesianPhone } from '../../src/mail/index.js';
import { queueMembershipReminders } from '../../src/orders/index.js';
import { addMember, TestDevice } from '../helpers/auth.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, devMailWorker, worldPerTest } from '../helpers/world.js';

/** A stand-in for Fonnte's API on a real port: records each POST /send, answers as told. */
async function fakeFonnte(answer: () => { status: number; body: unknown }) {
  const received: { authorization: string | undefined; form: URLSearchParams }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/send')
        received.push({ authorization: req.headers.authorization, form: new URLSearchParams(body) });
      const reply = answer();
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('Indonesian phone numbers for WhatsApp', () => {
  it('normalises to 62… and refuses what is not a mobile number', () => {
    for (const raw of ['081234567890', '+62 812-3456-7890', '62812 3456 7890', '(0812) 3456.7890', '81234567890'])
      expect(normalizeIndonesianPhone(raw)).toBe('6281234567890');
    for (const raw of ['', '021-555-1234', '0812', 'abc', '+1 415 555 0100', '08123456789012345'])
      expect(normalizeIndonesianPhone(raw)).toBeNull();
  });
});

describe.each(DIALECTS)('WhatsApp delivery through Fonnte (%s)', (dialect) => {
  let world: World;
  let fake: Awaited<ReturnType<typeof fakeFonnte>> | undefined;
  const openWorld = worldPerTest(dialect);
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });
  const workerFor = (url: string, whatsappReminders = false) =>
    devMailWorker(world, {
      queueDue: (db, now) => queueMembershipReminders(db, now, { whatsapp: whatsappReminders }),
      whatsapp: fonnteTransport({ url, token: 'fonnte-token-123' }),
    });
  const outbox = () =>
    world.database.db
      .selectFrom('mail_outbox')
      .select(['channel', 'to_address', 'status', 'attempts', 'dedupe_key', 'last_error'])
      .orderBy('id')
      .execute();

  it('off by default: a license goes by mail only', async () => {
    world = await openWorld();
    await postLynk(world.app, payment({ phone: '081234567890' }));
    expect((await outbox()).map((m) => m.channel)).toEqual(['email']);
  });

  it('a license goes to the buyer by mail and by WhatsApp, once, through the same outbox', async () => {
    fake = await fakeFonnte(() => ({ status: 200, body: { status: true, id: ['80012'] } }));
    world = await openWorld({ WHATSAPP_GATEWAY: 'fonnte', FONNTE_TOKEN: 'fonnte-token-123', FONNTE_URL: fake.url });
    const body = payment({ phone: '0812-3456-7890' });
    await postLynk(world.app, body);
    await postLynk(world.app, body); // Lynk retries: no second message
    const worker = workerFor(fake.url);
    await worker.drain();
    await worker.drain();
    const rows = await outbox();
    expect(rows.map((m) => [m.channel, m.to_address, m.status])).toEqual([
      ['email', 'budi@example.com', 'sent'],
      ['whatsapp', '6281234567890', 'sent'],
    ]);
    expect(rows[1]?.dedupe_key).toMatch(/^wa:license:/);
    expect(fake.received).toHaveLength(1);
    const sent = fake.received[0];
    expect(sent?.authorization).toBe('fonnte-token-123');
    expect(sent?.form.get('target')).toBe('6281234567890');
    const key = (await world.database.db.selectFrom('licenses').select('license_key').executeTakeFirstOrThrow())
      .license_key;
    expect(sent?.form.get('message')).toContain(key);
  });

  it('a refusal is retried with back-off like mail, then succeeds; a number that is not one is not queued', async () => {
    let calls = 0;
    fake = await fakeFonnte(() => {
      calls += 1;
      return calls === 1
        ? { status: 200, body: { status: false, reason: 'device disconnected' } }
        : { status: 200, body: { status: true, id: ['7'] } };
    });
    world = await openWorld({ WHATSAPP_GATEWAY: 'fonnte', FONNTE_TOKEN: 'fonnte-token-123', FONNTE_URL: fake.url });
    await postLynk(world.app, payment({ phone: '081234567890' }));
    await postLynk(world.app, payment({ email: 'ani@example.com', phone: '021-555-1234' }));
    const worker = workerFor(fake.url);
    await worker.drain();
    let wa = (await outbox()).filter((m) => m.channel === 'whatsapp');
    expect(wa).toHaveLength(1);
    expect(wa[0]).toMatchObject({ status: 'pending', attempts: 1 });
    expect(wa[0]?.last_error).toContain('device disconnected');
    world.runtime.advance(24 * 3_600_000);
    await worker.drain();
    wa = (await outbox()).filter((m) => m.channel === 'whatsapp');
    expect(wa[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(fake.received).toHaveLength(2);
  });

  it('a membership reminder also goes to the member by WhatsApp, once', async () => {
    fake = await fakeFonnte(() => ({ status: 200, body: { status: true, id: ['11'] } }));
    world = await openWorld({
      WHATSAPP_GATEWAY: 'fonnte',
      FONNTE_TOKEN: 'fonnte-token-123',
      FONNTE_URL: fake.url,
      PRODUCT_RULES: JSON.stringify([{ title: 'Member Bulanan', action: 'member', validityDays: 30 }]),
    });
    await postLynk(world.app, payment({ phone: '0812-9999-0000', items: [{ title: 'Member Bulanan' }] }));
    const worker = workerFor(fake.url, true);
    await worker.drain();
    fake.received.length = 0;
    world.runtime.advance(24 * 86_400_000); // 6 days left: the 7-day reminder is due
    await worker.drain();
    await worker.drain();
    const reminders = (await outbox()).filter((m) => m.dedupe_key.includes('membership_reminder'));
    expect(reminders.map((m) => [m.channel, m.to_address, m.status])).toEqual([
      ['email', 'budi@example.com', 'sent'],
      ['whatsapp', '6281299990000', 'sent'],
    ]);
    expect(fake.received).toHaveLength(1);
    expect(fake.received[0]?.form.get('message')).toContain('Member Bulanan');
  });

  it('a login link also goes to the member by WhatsApp', async () => {
    fake = await fakeFonnte(() => ({ status: 200, body: { status: true, id: ['9'] } }));
    world = await openWorld({ WHATSAPP_GATEWAY: 'fonnte', FONNTE_TOKEN: 'fonnte-token-123', FONNTE_URL: fake.url });
    const id = await addMember(world, 'ani@example.com');
    await world.database.db.updateTable('members').set({ phone: '+62 811 2222 3333' }).where('id', '=', id).execute();
    const asked = await new TestDevice(world.app).post('/login/tautan/kirim', { email: 'ani@example.com' });
    expect(asked.statusCode).toBeLessThan(400);
    await workerFor(fake.url).drain();
    expect(fake.received.map((r) => r.form.get('target'))).toEqual(['6281122223333']);
    expect(fake.received[0]?.form.get('message')).toContain('/login/tautan?token=');
  });

  it('FONNTE_TOKEN is required with WHATSAPP_GATEWAY=fonnte', async () => {
    await expect(openWorld({ WHATSAPP_GATEWAY: 'fonnte' })).rejects.toThrow(/FONNTE_TOKEN/);
  });
});
