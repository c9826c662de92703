import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { listDeliveries } from '../../src/webhooks/index.js';
import { addMember } from '../helpers/auth.js';
import { HESDA_SECRET, hesdaEnv, postHesda, seedTransaction, update } from '../helpers/hesda.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const OK = { status: 'success', message: 'Webhook received' };

describe.each(DIALECTS)('POST /webhooks/ppob (%s)', (dialect) => {
  const openWorld = worldPerTest(dialect);
  const open = () => openWorld(hesdaEnv(null));
  const transaction = (world: World, id: number) =>
    world.database.db.selectFrom('ppob_transactions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const realtimeEvents = (world: World) =>
    world.database.db.selectFrom('realtime_events').selectAll().orderBy('id').execute();
  const hesdaEvents = (world: World) => listDeliveries(world.database.db, { provider: 'hesda' });

  it('a signed success moves pending → success with sn and message, and answers 200 only after commit', async () => {
    const world = await open();
    const seeded = await seedTransaction(world, 'faVfBMpLMJm0');
    world.runtime.advance(60_000);
    const res = await postHesda(world.app, update('faVfBMpLMJm0', 'success'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ...OK, outcome: 'processed', duplicate: false });
    const row = await transaction(world, seeded.id);
    expect(row).toMatchObject({ status: 'success', sn: '1234567890', message: 'Transaksi Berhasil' });
    expect(row.updated_at).toBe(world.runtime.now());
    const [event] = await hesdaEvents(world);
    expect(event).toMatchObject({ provider: 'hesda', outcome: 'processed', event_type: 'transaction.update' });
    expect(event?.note).toContain('pending → success');
  });

  it('the event store keeps the raw body byte for byte, and the seed cURL example is accepted as is', async () => {
    const world = await open();
    await seedTransaction(world, 'faVfBMpLMJm0');
    // seed 003's example, formatted as sent: whitespace and field order are part of what is signed.
    const raw =
      '{\n"transaction_id": "faVfBMpLMJm0",\n"product_code": "XXL5",\n"product_name": "XX 5.000",\n"customer_no": "0895xxx",\n"price": 6150,\n"sn": "1234567890",\n"status": "success",\n"message": "Transaksi Berhasil"\n}';
    const res = await postHesda(world.app, raw);
    expect(res.statusCode).toBe(200);
    const stored = await world.database.db.selectFrom('webhook_events').select('raw_body').executeTakeFirstOrThrow();
    expect(stored.raw_body).toBe(raw);
  });

  it('a missing or wrong signature → 401 Invalid signature; nothing changes; the attempts are counted on one rejected row', async () => {
    const world = await open();
    const seeded = await seedTransaction(world, 'T1');
    const attempts = [
      await postHesda(world.app, update('T1', 'success'), { signature: null }),
      await postHesda(world.app, update('T1', 'success'), { signature: '' }),
      await postHesda(world.app, update('T1', 'success'), { secret: 'another-secret-key' }),
      await postHesda(world.app, update('T1', 'success'), { signature: 'zz'.repeat(32) }),
      // A duplicated header arrives joined and cannot match.
      await postHesda(world.app, update('T1', 'success'), {
        headers: { 'x-hesda-signature': 'a' },
      }),
    ];
    for (const res of attempts) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ status: 'error', message: 'Invalid signature' });
      expect(res.json().error).toMatchObject({ code: 'INVALID_SIGNATURE', requestId: res.headers['x-request-id'] });
    }
    expect((await transaction(world, seeded.id)).status).toBe('pending');
    // Same IP, same reason, same minute: one sampled row counts them all.
    const events = await hesdaEvents(world);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      outcome: 'rejected',
      signature_valid: 0,
      error_code: 'INVALID_SIGNATURE',
      delivery_count: attempts.length,
    });
  });

  it('a tampered body (signature of the original) → 401, even when only the status or a space differs', async () => {
    const world = await open();
    const seeded = await seedTransaction(world, 'T2');
    const original = JSON.stringify(update('T2', 'failed'));
    const signature = (await import('../../src/webhooks/index.js')).computeHesdaSignature(original, HESDA_SECRET);
    for (const tampered of [original.replace('"failed"', '"success"'), `${original} `, original.toUpperCase()]) {
      const res = await postHesda(world.app, tampered, { signature });
      expect(res.statusCode).toBe(401);
    }
    // The original with the same signature is fine; uppercase hex is the same signature.
    expect((await postHesda(world.app, original, { signature: signature.toUpperCase() })).statusCode).toBe(200);
    expect((await transaction(world, seeded.id)).status).toBe('failed');
  });

  it('signed but not JSON, or without transaction_id/status, or an unknown status → 400 Invalid payload', async () => {
    const world = await open();
    const seeded = await seedTransaction(world, 'T3');
    const bodies: (object | string)[] = [
      'not json',
      '',
      '[1,2]',
      'null',
      { status: 'success' },
      { transaction_id: 'T3' },
      { transaction_id: '', status: 'success' },
      { transaction_id: 'T3', status: 'done' },
      { transaction_id: 'T3', status: 'SUCCESS' },
    ];
    for (const body of bodies) {
      const res = await postHesda(world.app, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ status: 'error', message: 'Invalid payload' });
    }
    expect((await transaction(world, seeded.id)).status).toBe('pending');
    expect((await hesdaEvents(world)).every((e) => e.outcome === 'rejected')).toBe(true);
  });

  it('a replay of the same webhook is harmless: 200, one transition, one event row counting two deliveries', async () => {
    const world = await open();
    const member = await addMember(world, 'ani@example.com');
    const seeded = await seedTransaction(world, 'T4', member);
    const body = update('T4', 'success');
    expect((await postHesda(world.app, body)).json()).toMatchObject({ outcome: 'processed', duplicate: false });
    world.runtime.advance(5000);
    const again = await postHesda(world.app, body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ ...OK, duplicate: true });
    const events = await hesdaEvents(world);
    expect(events).toHaveLength(1);
    expect(events[0]?.delivery_count).toBe(2);
    expect(await realtimeEvents(world)).toHaveLength(1);
    expect((await transaction(world, seeded.id)).status).toBe('success');
  });

  it('status only moves forward: a late pending or a contradicting failed after success changes nothing', async () => {
    const world = await open();
    const seeded = await seedTransaction(world, 'T5');
    await postHesda(world.app, update('T5', 'success'));
    const successAt = (await transaction(world, seeded.id)).updated_at;
    world.runtime.advance(1000);
    for (const late of [update('T5', 'pending'), update('T5', 'failed', { sn: '' })]) {
      const res = await postHesda(world.app, late);
      expect(res.statusCode).toBe(200);
      expect(res.json().outcome).toBe('ignored');
    }
    const row = await transaction(world, seeded.id);
    expect(row).toMatchObject({ status: 'success', sn: '1234567890', message: 'Transaksi Berhasil' });
    expect(row.updated_at).toBe(successAt);
    const ignored = (await hesdaEvents(world)).filter((e) => e.outcome === 'ignored');
    expect(ignored.map((e) => e.error_code)).toEqual(['NO_TRANSITION', 'NO_TRANSITION']);
  });

  it('two identical webhooks at once make one transition and one realtime event', async () => {
    const world = await open();
    const member = await addMember(world, 'budi@example.com');
    const seeded = await seedTransaction(world, 'T6', member);
    const body = update('T6', 'success');
    const answers = await Promise.all(Array.from({ length: 6 }, () => postHesda(world.app, body)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.filter((a) => a.json().duplicate === false)).toHaveLength(1);
    expect(await realtimeEvents(world)).toHaveLength(1);
    const events = await hesdaEvents(world);
    expect(events).toHaveLength(1);
    expect(events[0]?.delivery_count).toBe(6);
    expect((await transaction(world, seeded.id)).status).toBe('success');
  });

  it('success and failed arriving at once: exactly one wins, the other is ignored', async () => {
    const world = await open();
    const member = await addMember(world, 'citra@example.com');
    const seeded = await seedTransaction(world, 'T7', member);
    const answers = await Promise.all([
      postHesda(world.app, update('T7', 'success')),
      postHesda(world.app, update('T7', 'failed')),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
    expect(answers.map((a) => a.json().outcome).sort()).toEqual(['ignored', 'processed']);
    const [event] = await realtimeEvents(world);
    const row = await transaction(world, seeded.id);
    expect(['success', 'failed']).toContain(row.status);
    expect(JSON.parse(event?.data ?? '{}').status).toBe(row.status);
    expect(await realtimeEvents(world)).toHaveLength(1);
  });

  it('an unknown transaction id is stored for reconciliation and answered 200', async () => {
    const world = await open();
    const seeded = await seedTransaction(world, 'KNOWN');
    const res = await postHesda(world.app, update('NOT-OURS', 'success'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ...OK, outcome: 'failed' });
    const [event] = await hesdaEvents(world);
    expect(event).toMatchObject({ outcome: 'failed', error_code: 'UNKNOWN_TRANSACTION', signature_valid: 1 });
    expect(event?.external_id).toMatch(/^NOT-OURS#[0-9a-f]{16}$/);
    expect((await transaction(world, seeded.id)).status).toBe('pending');
  });

  it('unknown event types (or none) are stored and answered 200, never acted on', async () => {
    const world = await open();
    const seeded = await seedTransaction(world, 'T8');
    for (const [event, sn] of [
      ['transaction.refund', '1'],
      [null, '2'],
    ] as const) {
      const res = await postHesda(world.app, update('T8', 'success', { sn }), { event });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ ...OK, outcome: 'ignored', duplicate: false });
    }
    // Any JSON will do for an event we do not process.
    expect((await postHesda(world.app, { hello: 'world' }, { event: 'ping' })).statusCode).toBe(200);
    const events = await hesdaEvents(world);
    expect(events.map((e) => e.error_code)).toEqual(['UNKNOWN_EVENT', 'UNKNOWN_EVENT', 'UNKNOWN_EVENT']);
    expect(events.map((e) => e.event_type)).toEqual(['ping', null, 'transaction.refund']);
    expect((await transaction(world, seeded.id)).status).toBe('pending');
  });

  it('the event header is unsigned: a signed body re-sent under any X-Hesda-Event is a repeat of the first', async () => {
    const world = await open();
    const member = await addMember(world, 'dewi@example.com');
    const seeded = await seedTransaction(world, 'T11', member);
    const body = update('T11', 'success');
    const first = await postHesda(world.app, body);
    expect(first.json()).toMatchObject({ ...OK, outcome: 'processed', duplicate: false });
    const variants = ['Transaction.Update', 'TRANSACTION.UPDATE', ' transaction.update ', 'transaction.refund', 'x'];
    for (const event of [...variants, null]) {
      const res = await postHesda(world.app, body, { event });
      expect(res.statusCode, String(event)).toBe(200);
      expect(res.json(), String(event)).toMatchObject({ duplicate: true, event_id: first.json().event_id });
    }
    const events = await hesdaEvents(world);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'processed', delivery_count: variants.length + 2 });
    expect(await realtimeEvents(world)).toHaveLength(1);
    expect((await transaction(world, seeded.id)).status).toBe('success');
  });

  it('a database failure answers 500 (Hesda retries); the retry after recovery is processed', async () => {
    const world = await open();
    const seeded = await seedTransaction(world, 'T9');
    const db = world.database.db;
    await sql`alter table ppob_transactions rename to ppob_transactions_away`.execute(db);
    const body = update('T9', 'success');
    const failed = await postHesda(world.app, body);
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toMatchObject({ status: 'error', message: 'Internal server error' });
    expect(failed.json().error.code).toBe('INTERNAL');
    const [stored] = await hesdaEvents(world);
    expect(stored).toMatchObject({ outcome: 'failed', error_code: 'PROCESSING_ERROR' });

    await sql`alter table ppob_transactions_away rename to ppob_transactions`.execute(db);
    const retried = await postHesda(world.app, body);
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ ...OK, outcome: 'processed' });
    expect((await transaction(world, seeded.id)).status).toBe('success');
    const events = await hesdaEvents(world);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'processed', delivery_count: 2, attempts: 2 });
  });

  it('with the database gone entirely the answer is still a 500, not a crash', async () => {
    const world = await open();
    await seedTransaction(world, 'T10');
    await world.database.close();
    const res = await postHesda(world.app, update('T10', 'success'));
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ status: 'error', message: 'Internal server error' });
    // close() of the world closes the database again: reopen a handle so that is harmless.
    world.database.close = async () => {};
  });
});
