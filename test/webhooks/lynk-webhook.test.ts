import { verify } from '@node-rs/argon2';
import { beforeEach, describe, expect, it } from 'vitest';
import { licenseKeyPattern } from '../../src/licenses/index.js';
import { replayLynkEvent } from '../../src/webhooks/index.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS, worldPerTest } from '../helpers/world.js';

describe.each(DIALECTS)('POST /webhook/lynk (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect);
  const open = async (env: Record<string, string> = {}) => (world = await openWorld(env));
  const db = () => world.database.db;
  const count = async (table: 'licenses' | 'members' | 'mail_outbox' | 'orders' | 'webhook_events') =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  describe('a paid order', () => {
    beforeEach(() => open());

    it('signed payment is stored raw, issues a license and queues the license mail in one go', async () => {
      const body = payment();
      const res = await postLynk(world.app, body);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'success', outcome: 'processed', duplicate: false });

      const event = await db().selectFrom('webhook_events').selectAll().executeTakeFirstOrThrow();
      expect(event.raw_body).toBe(JSON.stringify(body));
      expect(event).toMatchObject({ provider: 'lynk', external_id: body.data.message_id, signature_valid: 1 });
      expect(event.outcome).toBe('processed');

      const [license] = await db().selectFrom('licenses').selectAll().execute();
      expect(license?.license_key).toMatch(licenseKeyPattern('KEI-'));
      expect(license).toMatchObject({
        product_uuid: 'prod-ebook',
        product_title: 'E-book Ekspor',
        email: 'budi@example.com',
        lynk_ref_id: body.data.message_data.refId,
        max_devices: 1,
        status: 'active',
        expires_at: null,
      });
      const mails = await db().selectFrom('mail_outbox').selectAll().execute();
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatchObject({ kind: 'license', to_address: 'budi@example.com', status: 'pending' });
      expect(mails[0]?.params).toContain(license?.license_key);
    });

    it('every item of a cart yields qty licenses, all listed in one mail', async () => {
      const body = payment({
        items: [
          { title: 'Template Invoice', uuid: 'p-1', qty: 3, price: 10000 },
          { title: 'Kelas Ekspor', uuid: 'p-2', qty: 2, price: 50000 },
        ],
      });
      expect((await postLynk(world.app, body)).statusCode).toBe(200);
      const licenses = await db().selectFrom('licenses').selectAll().orderBy('id').execute();
      expect(licenses.map((l) => [l.product_uuid, l.line_no, l.unit_no])).toEqual([
        ['p-1', 1, 1],
        ['p-1', 1, 2],
        ['p-1', 1, 3],
        ['p-2', 2, 1],
        ['p-2', 2, 2],
      ]);
      expect(new Set(licenses.map((l) => l.license_key)).size).toBe(5);
      const mails = await db().selectFrom('mail_outbox').selectAll().execute();
      expect(mails).toHaveLength(1);
      for (const l of licenses) expect(mails[0]?.params).toContain(l.license_key);
    });

    it('accepts the variations Lynk really sends', async () => {
      // Captured shape: empty name/phone, grandTotal 0, stock as number or "unlimited", addon prices as strings.
      const body = payment({ name: '', phone: '' }) as unknown as {
        data: { message_data: { items: Record<string, unknown>[]; totals: { grandTotal: number } } };
      };
      const item = body.data.message_data.items[0] as Record<string, unknown>;
      item.stock = 19;
      item.addons = [{ name: 'Konsultasi', price: '50,000' }];
      delete item.qty;
      body.data.message_data.items.push({ title: 'Bonus', uuid: 'bonus', qty: 1, price: '0', stock: 'unlimited' });
      body.data.message_data.totals.grandTotal = 0;
      const res = await postLynk(world.app, body);
      expect(res.statusCode).toBe(200);
      expect(res.json().outcome).toBe('processed');
      expect(await count('licenses')).toBe(2);
    });

    it('a JSON body without a JSON content type is still accepted', async () => {
      const res = await postLynk(world.app, payment(), { headers: { 'content-type': 'text/plain' } });
      expect(res.statusCode).toBe(200);
      expect(await count('licenses')).toBe(1);
    });

    it('an uppercase hex signature is the same signature', async () => {
      const body = payment();
      const { computeLynkSignature } = await import('../../src/webhooks/index.js');
      const res = await postLynk(world.app, body, {
        signature: computeLynkSignature(body, world.config.lynkMerchantKey).toUpperCase(),
      });
      expect(res.statusCode).toBe(200);
    });
  });

  describe('idempotency', () => {
    beforeEach(() => open());

    it('retried Lynk delivery issues no second license and queues no second mail', async () => {
      const body = payment();
      const first = await postLynk(world.app, body);
      const second = await postLynk(world.app, body);
      expect(second.statusCode).toBe(200);
      expect(second.json()).toMatchObject({ duplicate: true, outcome: 'processed', event_id: first.json().event_id });
      expect(await count('licenses')).toBe(1);
      expect(await count('mail_outbox')).toBe(1);
      expect(await count('webhook_events')).toBe(1);
      const event = await db().selectFrom('webhook_events').selectAll().executeTakeFirstOrThrow();
      expect(event.delivery_count).toBe(2);
    });

    it('concurrent identical deliveries make one event and one license', async () => {
      const body = payment();
      const answers = await Promise.all(Array.from({ length: 6 }, () => postLynk(world.app, body)));
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(answers.filter((a) => a.json().duplicate === false)).toHaveLength(1);
      expect(await count('webhook_events')).toBe(1);
      expect(await count('licenses')).toBe(1);
    });

    it('the same payment (refId) under a new message_id is recorded but ignored', async () => {
      const body = payment({ refId: 'ref-same', messageId: 'msg-1' });
      await postLynk(world.app, body);
      const again = await postLynk(world.app, payment({ refId: 'ref-same', messageId: 'msg-2' }));
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ outcome: 'ignored', duplicate: false });
      const event = await db()
        .selectFrom('webhook_events')
        .selectAll()
        .where('external_id', '=', 'msg-2')
        .executeTakeFirstOrThrow();
      expect(event.error_code).toBe('DUPLICATE_PAYMENT');
      expect(await count('licenses')).toBe(1);
      expect(await count('orders')).toBe(1);
    });
  });

  describe('members', () => {
    it('"Daftar Member KEI" creates the member (username = email) with a random password and a registration mail', async () => {
      await open();
      const body = payment({ email: 'Ani@Example.com', items: [{ title: 'Daftar Member KEI', uuid: 'm-1' }] });
      expect((await postLynk(world.app, body)).json().outcome).toBe('processed');
      const member = await db().selectFrom('members').selectAll().executeTakeFirstOrThrow();
      expect(member).toMatchObject({ email: 'ani@example.com', username: 'ani@example.com', role: 'member' });
      expect(member.password_hash).toMatch(/^\$argon2id\$/);
      expect(await verify(member.password_hash, '081234567890')).toBe(false);
      const mails = await db().selectFrom('mail_outbox').selectAll().execute();
      expect(mails.map((m) => [m.kind, m.to_address])).toEqual([['registration', 'ani@example.com']]);
      expect(await count('licenses')).toBe(0);
    });

    it('a cart with membership and a product creates both', async () => {
      await open();
      const body = payment({
        items: [
          { title: 'Daftar Member KEI', uuid: 'm-1' },
          { title: 'E-book', uuid: 'e-1', qty: 2 },
        ],
      });
      await postLynk(world.app, body);
      expect(await count('members')).toBe(1);
      expect(await count('licenses')).toBe(2);
      expect(await count('mail_outbox')).toBe(2);
    });

    it('a member who buys membership again gets no second account, and a purchase notice instead of a registration', async () => {
      await open();
      await postLynk(world.app, payment({ items: [{ title: 'Daftar Member KEI' }] }));
      await postLynk(world.app, payment({ items: [{ title: 'Daftar Member KEI' }] }));
      expect(await count('members')).toBe(1);
      const mails = await db().selectFrom('mail_outbox').select(['dedupe_key', 'subject', 'to_address']).execute();
      expect(mails.map((m) => [m.dedupe_key.split(':')[0], m.subject.split(' - ')[0], m.to_address])).toEqual([
        ['registration', 'Pendaftaran Member Berhasil', 'budi@example.com'],
        ['member_purchase', 'Pembelian Member Berhasil', 'budi@example.com'],
      ]);
    });

    it('phone policy reproduces the old password, but never an empty one', async () => {
      await open({ INITIAL_PASSWORD_POLICY: 'phone' });
      await postLynk(world.app, payment({ email: 'a@example.com', items: [{ title: 'Daftar Member KEI' }] }));
      const withPhone = await db()
        .selectFrom('members')
        .selectAll()
        .where('email', '=', 'a@example.com')
        .executeTakeFirstOrThrow();
      expect(await verify(withPhone.password_hash, '081234567890')).toBe(true);

      const res = await postLynk(
        world.app,
        payment({ email: 'b@example.com', phone: '', items: [{ title: 'Daftar Member KEI' }] }),
      );
      expect(res.json().outcome).toBe('processed');
      const noPhone = await db()
        .selectFrom('members')
        .selectAll()
        .where('email', '=', 'b@example.com')
        .executeTakeFirstOrThrow();
      expect(await verify(noPhone.password_hash, '')).toBe(false);
      const event = await db()
        .selectFrom('webhook_events')
        .select('note')
        .where('id', '=', res.json().event_id)
        .executeTakeFirstOrThrow();
      expect(event.note).toContain('nomor HP kosong');
    });

    it('product rules map by uuid and title, with device limit and validity', async () => {
      const rules = [
        { uuid: 'vip-uuid', action: 'member' },
        { title: 'Software Pro', action: 'license', maxDevices: 3, validityDays: 30 },
      ];
      await open({ PRODUCT_RULES: JSON.stringify(rules), MEMBER_PRODUCT_TITLES: 'Tidak Ada' });
      await postLynk(
        world.app,
        payment({
          items: [
            { title: 'Judul apa saja', uuid: 'vip-uuid' },
            { title: 'Software Pro', uuid: 'x' },
            { title: 'Daftar Member KEI', uuid: 'y' },
          ],
        }),
      );
      expect(await count('members')).toBe(1);
      const licenses = await db().selectFrom('licenses').selectAll().orderBy('line_no').execute();
      expect(licenses.map((l) => [l.product_title, l.max_devices])).toEqual([
        ['Software Pro', 3],
        ['Daftar Member KEI', 1],
      ]);
      expect(licenses[0]?.expires_at).toBe(world.runtime.now() + 30 * 86_400_000);
    });
  });

  describe('what is not a paid order', () => {
    beforeEach(() => open());

    it.each([
      ['a test event', { event: 'test.webhook', data: { message_id: 't-1' } }],
      ['a pending payment', { ...payment(), data: { ...payment().data, message_action: 'PENDING' } }],
    ])('%s is stored as ignored and answered 200', async (_name, body) => {
      const res = await postLynk(world.app, body);
      expect(res.statusCode).toBe(200);
      expect(res.json().outcome).toBe('ignored');
      expect(await count('webhook_events')).toBe(1);
      expect(await count('orders')).toBe(0);
    });

    it('a payment without a buyer email is stored as failed with the reason, and replays once fixed', async () => {
      const res = await postLynk(world.app, payment({ email: '' }));
      expect(res.statusCode).toBe(200);
      expect(res.json().outcome).toBe('failed');
      const event = await db().selectFrom('webhook_events').selectAll().executeTakeFirstOrThrow();
      expect(event.error_code).toBe('INVALID_PAYMENT');
      expect(event.error_message).toContain('email');
      expect(await count('licenses')).toBe(0);

      const deps = { db: db(), config: world.config, runtime: world.runtime };
      expect(await replayLynkEvent(deps, event.id)).toMatchObject({ ok: true, outcome: 'failed' });
      const fixed = await replayLynkEvent(deps, event.id, { email: 'budi@example.com' });
      expect(fixed).toMatchObject({ ok: true, outcome: 'processed' });
      expect(await count('licenses')).toBe(1);
      expect(await replayLynkEvent(deps, event.id)).toMatchObject({ ok: false, code: 'NOT_REPLAYABLE' });
      expect(await count('licenses')).toBe(1);
    });

    it('a processing crash leaves the event stored as failed, with nothing half-written, and replay completes it', async () => {
      world.runtime.randomBytes = () => {
        throw new Error('entropy source unavailable');
      };
      const res = await postLynk(world.app, payment());
      expect(res.statusCode).toBe(200);
      expect(res.json().outcome).toBe('failed');
      const event = await db().selectFrom('webhook_events').selectAll().executeTakeFirstOrThrow();
      expect(event).toMatchObject({ error_code: 'PROCESSING_ERROR', error_message: 'entropy source unavailable' });
      expect(await count('orders')).toBe(0);
      expect(await count('mail_outbox')).toBe(0);

      const { randomBytes } = await import('node:crypto');
      world.runtime.randomBytes = (n) => randomBytes(n);
      const deps = { db: db(), config: world.config, runtime: world.runtime };
      expect(await replayLynkEvent(deps, event.id)).toMatchObject({ ok: true, outcome: 'processed' });
      expect(await count('licenses')).toBe(1);
      expect(await count('mail_outbox')).toBe(1);
    });
  });

  describe('rejections', () => {
    beforeEach(() => open());

    const rejected = async () =>
      db().selectFrom('webhook_events').selectAll().where('outcome', '=', 'rejected').execute();

    it('missing signature → 401, the attempt is recorded, nothing is processed', async () => {
      const res = await postLynk(world.app, payment(), { signature: null });
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toMatchObject({ code: 'MISSING_SIGNATURE' });
      expect(res.json().error.requestId).toBeTruthy();
      const attempts = await rejected();
      expect(attempts).toHaveLength(1);
      expect(attempts[0]).toMatchObject({ signature_valid: 0, error_code: 'MISSING_SIGNATURE', external_id: null });
      expect(await count('orders')).toBe(0);
    });

    it.each([
      ['a wrong signature', (b: object) => ({ body: b, signature: 'a'.repeat(64) })],
      ['a signature made with another merchant key', (b: object) => ({ body: b, key: 'other-key-123456' })],
      ['a tampered grandTotal', (b: object) => ({ body: b, tamper: true })],
    ])('%s → 401 and nothing is processed', async (_name, make) => {
      const body = payment();
      const spec = make(body) as { body: typeof body; signature?: string; key?: string; tamper?: boolean };
      const { computeLynkSignature } = await import('../../src/webhooks/index.js');
      let signature = spec.signature ?? computeLynkSignature(body, spec.key ?? world.config.lynkMerchantKey);
      let sent: object = body;
      if (spec.tamper) {
        signature = computeLynkSignature(body, world.config.lynkMerchantKey);
        sent = {
          ...body,
          data: {
            ...body.data,
            message_data: { ...body.data.message_data, totals: { ...body.data.message_data.totals, grandTotal: 1 } },
          },
        };
      }
      const res = await postLynk(world.app, sent, { signature });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('INVALID_SIGNATURE');
      expect(await count('orders')).toBe(0);
      expect(await rejected()).toHaveLength(1);
    });

    it('a doubled signature header cannot pass', async () => {
      const body = payment();
      const { computeLynkSignature } = await import('../../src/webhooks/index.js');
      const good = computeLynkSignature(body, world.config.lynkMerchantKey);
      const res = await world.app.inject({
        method: 'POST',
        url: '/webhook/lynk',
        headers: { 'content-type': 'application/json', 'x-lynk-signature': [good, good] },
        payload: JSON.stringify(body),
      });
      expect(res.statusCode).toBe(401);
      expect(await count('orders')).toBe(0);
    });

    it.each([
      ['not JSON', '{"event": "payment.received", ', 'INVALID_JSON'],
      ['an empty body', '', 'INVALID_JSON'],
      ['a JSON array', '[1,2,3]', 'INVALID_PAYLOAD'],
      ['a JSON string', '"payment"', 'INVALID_PAYLOAD'],
      ['data of the wrong type', '{"event":"payment.received","data":"x"}', 'INVALID_PAYLOAD'],
    ])('%s → 400 with a JSON error', async (_name, raw, code) => {
      const res = await postLynk(world.app, raw, { signature: 'a'.repeat(64) });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe(code);
      expect(await count('orders')).toBe(0);
    });

    it('a body over 1 MB → 413 with a JSON error', async () => {
      const res = await postLynk(world.app, `{"pad":"${'x'.repeat(1024 * 1024 + 10)}"}`, { signature: 'a'.repeat(64) });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await count('webhook_events')).toBe(0);
    });

    it('a rejected attempt keeps only the first 16 KiB of its body', async () => {
      const res = await postLynk(world.app, `{"pad":"${'x'.repeat(60_000)}"}`, { signature: 'a'.repeat(64) });
      expect(res.statusCode).toBe(401);
      const [attempt] = await rejected();
      expect(attempt?.raw_body.length).toBe(16 * 1024);
    });
  });
});

describe('when the database is unreachable', () => {
  it('webhooks answer 503 (never 200) so Lynk retries, and /readyz reports it', async () => {
    const { buildApp } = await import('../../src/app.js');
    const { loadConfig } = await import('../../src/config/index.js');
    const { openDatabase } = await import('../../src/db/index.js');
    const pino = (await import('pino')).default;
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = mkdtempSync(join(tmpdir(), 'gerbang-down-'));
    const result = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      // Nothing listens on port 1: every connection attempt is refused at once.
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test',
      LYNK_MERCHANT_KEY: 'test-merchant-key-0123456789',
      COOKIE_SECRET: 'test-cookie-secret-0123456789abcdef0123456789',
    });
    if (!result.ok) throw new Error(result.errors.join('; '));
    const database = openDatabase(result.config.database);
    const app = await buildApp({ config: result.config, database, logger: pino({ level: 'silent' }) });
    try {
      const res = await postLynk(app, payment());
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('STORAGE_UNAVAILABLE');
      const ready = await app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.each(DIALECTS)('hostile but signed payloads (%s)', (dialect) => {
  it('NUL characters in names and titles are dropped, not a database error', async () => {
    const world = await createWorld(dialect);
    try {
      const body = payment({ name: 'Bu\u0000di', items: [{ title: 'E-\u0000book', uuid: 'u\u0000' }] });
      const res = await postLynk(world.app, body);
      expect(res.statusCode).toBe(200);
      expect(res.json().outcome).toBe('processed');
      const license = await world.database.db.selectFrom('licenses').selectAll().executeTakeFirstOrThrow();
      expect(license.product_title).toBe('E-book');
      const order = await world.database.db.selectFrom('orders').selectAll().executeTakeFirstOrThrow();
      expect(order.customer_name).toBe('Budi');
    } finally {
      await world.close();
    }
  });
});
