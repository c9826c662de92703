import { describe, expect, it } from 'vitest';
import { backfillLynkSignatureDigests } from '../../src/db/migrations/0010-webhook-hardening.js';
import { computeLynkSignature, lynkSignatureDigest, signLynkPayment } from '../../src/webhooks/index.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, MERCHANT_KEY, worldPerTest } from '../helpers/world.js';

/**
 * Lynk signs sha256(grandTotal + refId + message_id + key): three fields joined without separators,
 * buyer and items unsigned. A captured delivery re-arranged (characters moved between the signed
 * fields, another buyer, more units) keeps a valid signature; it must never become a new order.
 */

type Payment = ReturnType<typeof payment>;

/** A captured payment: grandTotal as the digit string Lynk may send, short ids that are easy to shift. */
function captured(): Payment {
  const body = payment({ refId: 'ref9abc', messageId: 'MSG-1' });
  (body.data.message_data.totals as { grandTotal: number | string }).grandTotal = '72000';
  return body;
}

/** The captured body with its signed fields re-arranged, sent to another buyer for 50 units. */
function rearranged(grandTotal: number | string, refId: string, messageId: string): Payment {
  const body = structuredClone(captured());
  (body.data.message_data.totals as { grandTotal: number | string }).grandTotal = grandTotal;
  body.data.message_data.refId = refId;
  body.data.message_id = messageId;
  body.data.message_data.customer.email = 'penyerang@example.com';
  const item = body.data.message_data.items[0];
  if (item) item.qty = 50;
  return body;
}

describe.each(DIALECTS)('a captured Lynk signature (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect);
  const count = async (table: 'orders' | 'licenses' | 'mail_outbox' | 'webhook_events') =>
    Number(
      (
        await world.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('re-arranged into other bodies is refused (409) and grants nothing; the same bytes again are a duplicate', async () => {
    world = await openWorld();
    const original = captured();
    const signature = signLynkPayment(original, MERCHANT_KEY).signature;
    const first = await postLynk(world.app, original, { signature });
    expect(first.json()).toMatchObject({ outcome: 'processed', duplicate: false });

    const attacks = [
      rearranged('7200', '0ref9abc', 'MSG-1'),
      rearranged(72000, 'ref9ab', 'cMSG-1'),
      rearranged('72000', 'ref9abcMSG-', '1'),
      rearranged('720', '00ref9abcM', 'SG-1'),
    ];
    for (const attack of attacks) {
      // The attacker needs no key: the captured header is still the right signature.
      expect(computeLynkSignature(attack, MERCHANT_KEY)).toBe(signature);
      const res = await postLynk(world.app, attack, { signature });
      expect(res.statusCode, JSON.stringify(attack.data.message_data.totals)).toBe(409);
      expect(res.json().error).toMatchObject({ code: 'SIGNATURE_REUSED', requestId: expect.any(String) });
    }
    expect(await count('orders')).toBe(1);
    expect(await count('licenses')).toBe(1);
    expect(await count('mail_outbox')).toBe(1);
    const refused = await world.database.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('outcome', '=', 'rejected')
      .execute();
    expect(refused.map((e) => [e.error_code, e.signature_valid, e.delivery_count])).toEqual([
      ['SIGNATURE_REUSED', 0, attacks.length],
    ]);

    const again = await postLynk(world.app, JSON.stringify(original), { signature });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, event_id: first.json().event_id, outcome: 'processed' });
    expect(await count('orders')).toBe(1);
    expect(await count('licenses')).toBe(1);
  });

  it('bodies sharing a signature that arrive at once: exactly one is accepted, the others refused', async () => {
    world = await openWorld();
    const original = captured();
    const signature = signLynkPayment(original, MERCHANT_KEY).signature;
    const answers = await Promise.all([
      postLynk(world.app, original, { signature }),
      postLynk(world.app, rearranged(72000, 'ref9ab', 'cMSG-1'), { signature }),
      postLynk(world.app, rearranged('72000', 'ref9abcMSG-', '1'), { signature }),
    ]);
    // Whichever committed first owns the signature (in the real attack, the captured original).
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409, 409]);
    expect(await count('orders')).toBe(1);
    expect(await count('mail_outbox')).toBe(1);
  });

  it.each([
    ['1e3'],
    [' 100'],
    ['100 '],
    ['100abc'],
    ['0x10'],
    ['-5'],
    ['72000.5'],
    ['072000'],
    [''],
    [-1],
    [1.5],
    [1e21],
  ])('grandTotal %j is refused (400), even genuinely signed', async (grandTotal) => {
    world = await openWorld();
    const body = payment() as unknown as { data: { message_data: { totals: { grandTotal: unknown } } } };
    body.data.message_data.totals.grandTotal = grandTotal;
    const res = await postLynk(world.app, body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_PAYLOAD');
    expect(await count('orders')).toBe(0);
  });

  it('grandTotal as a whole number or plain digits is accepted and stored as that amount', async () => {
    world = await openWorld();
    for (const grandTotal of [72000, '72000', 0, '0', '150000']) {
      const body = payment();
      (body.data.message_data.totals as { grandTotal: number | string }).grandTotal = grandTotal;
      const res = await postLynk(world.app, body);
      expect(res.json(), String(grandTotal)).toMatchObject({ outcome: 'processed' });
      const order = await world.database.db
        .selectFrom('orders')
        .select('grand_total')
        .where('external_ref', '=', body.data.message_data.refId)
        .executeTakeFirstOrThrow();
      expect(order.grand_total).toBe(Number(grandTotal));
    }
  });

  it('signatures accepted before the upgrade are marked used by the migration', async () => {
    world = await openWorld();
    const original = captured();
    const signature = signLynkPayment(original, MERCHANT_KEY).signature;
    expect((await postLynk(world.app, original, { signature })).statusCode).toBe(200);
    // As stored by a release without the digest: the same row, its digest not yet known.
    const db = world.database.db;
    await db.updateTable('webhook_events').set({ signature_digest: null }).execute();
    await backfillLynkSignatureDigests(db);
    const row = await db.selectFrom('webhook_events').select('signature_digest').executeTakeFirstOrThrow();
    expect(row.signature_digest).toBe(lynkSignatureDigest(original));

    const res = await postLynk(world.app, rearranged(72000, 'ref9ab', 'cMSG-1'), { signature });
    expect(res.statusCode).toBe(409);
    expect(await count('orders')).toBe(1);
  });
});
