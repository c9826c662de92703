import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeHesdaSignature, computeLynkSignature } from '../../src/webhooks/index.js';
import { lynkPaymentSchema } from '../../src/webhooks/lynk/payload.js';
import { HESDA_SECRET, hesdaEnv } from '../helpers/hesda.js';
import { payment } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, MERCHANT_KEY } from '../helpers/world.js';

/**
 * Issue 8, part 3 (properties over the real receive path): arbitrary bodies and signature headers
 * through both webhook routes (app.inject, SQLite world). Defences proved: the answer is 200 or a
 * 4xx, never a 5xx or an exception; a 200 always left its event stored; no business row (order,
 * member, license, mail, PPOB transaction) is written unless the body really is a valid, genuinely
 * signed payment.
 */

const BUSINESS = ['orders', 'members', 'licenses', 'mail_outbox', 'ppob_transactions', 'license_activations'] as const;

let world: World;
beforeAll(async () => {
  world = await createWorld('sqlite', hesdaEnv(null));
});
afterAll(async () => {
  await world?.close();
});

async function businessRows(): Promise<number[]> {
  const counts: number[] = [];
  for (const table of BUSINESS) {
    const row = await world.database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts.push(Number(row.n));
  }
  return counts;
}

async function eventCount(): Promise<number> {
  const row = await world.database.db
    .selectFrom('webhook_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A 200 left its event stored: a new one, or (the same bytes seen before) the first one, counted again. */
async function expectStored(answer: { duplicate?: unknown; event_id?: unknown }, before: number): Promise<void> {
  expect(await eventCount()).toBe(answer.duplicate === true ? before : before + 1);
  const stored = await world.database.db
    .selectFrom('webhook_events')
    .select('id')
    .where('id', '=', Number(answer.event_id))
    .executeTakeFirst();
  expect(stored).toBeDefined();
}

/** A real payment with one field, at any depth, replaced by an arbitrary JSON value. */
const PATHS = [
  ['event'],
  ['data'],
  ['data', 'message_action'],
  ['data', 'message_id'],
  ['data', 'message_data', 'refId'],
  ['data', 'message_data', 'customer'],
  ['data', 'message_data', 'customer', 'email'],
  ['data', 'message_data', 'items'],
  ['data', 'message_data', 'totals', 'grandTotal'],
];
const nearPayment = fc.tuple(fc.constantFrom(...PATHS), fc.jsonValue()).map(([path, value]) => {
  const body = payment() as unknown as Record<string, unknown>;
  let holder = body;
  for (const step of path.slice(0, -1)) holder = holder[step] as Record<string, unknown>;
  holder[path.at(-1) ?? 'event'] = value;
  return JSON.stringify(body);
});
const bodyText = fc.oneof(fc.json(), fc.string({ unit: 'binary', maxLength: 300 }), nearPayment);
const bodyBytes = fc.oneof(
  bodyText.map((t) => Buffer.from(t)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
);
const header = fc.option(fc.oneof(fc.string({ maxLength: 100 }), fc.stringMatching(/^[0-9a-f]{64}$/)), {
  nil: undefined,
});

/** The signature a key holder would send for these bytes, when they carry something to sign. */
function genuineLynk(raw: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? computeLynkSignature(parsed, MERCHANT_KEY) : undefined;
  } catch {
    return undefined;
  }
}

function parsesAsPayment(raw: Buffer): boolean {
  try {
    return lynkPaymentSchema.safeParse(JSON.parse(raw.toString('utf8'))).success;
  } catch {
    return false;
  }
}

describe('webhook receive path (property)', () => {
  it('Lynk: 200 or 4xx for any body and header, and rows only for a valid signed payment', async () => {
    await fc.assert(
      fc.asyncProperty(bodyBytes, header, fc.boolean(), async (raw, given, signIt) => {
        const signature = signIt ? genuineLynk(raw) : given;
        const [before, events] = [await businessRows(), await eventCount()];
        const res = await world.app.inject({
          method: 'POST',
          url: '/webhook/lynk',
          headers: {
            'content-type': 'application/json',
            ...(signature === undefined ? {} : { 'x-lynk-signature': signature }),
          },
          payload: raw,
        });
        expect(res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500), res.body).toBe(true);
        // An unsigned event without message_data is the Lynk dashboard's "Test URL" post: answered
        // 200 and counted, never stored.
        if (res.statusCode === 200 && res.json().test === true) expect(await eventCount()).toBe(events);
        else if (res.statusCode === 200) await expectStored(res.json(), events);
        const wrote = (await businessRows()).some((n, i) => n !== before[i]);
        if (wrote) expect(signIt && res.statusCode === 200 && parsesAsPayment(raw)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('Hesda: 200 or 4xx for any body, signature and event header; no transaction is ever written', async () => {
    await fc.assert(
      fc.asyncProperty(bodyBytes, header, fc.boolean(), header, async (raw, given, signIt, event) => {
        const signature = signIt ? computeHesdaSignature(raw, HESDA_SECRET) : given;
        const [before, events] = [await businessRows(), await eventCount()];
        const res = await world.app.inject({
          method: 'POST',
          url: '/webhooks/ppob',
          headers: {
            'content-type': 'application/json',
            'x-hesda-event': event ?? 'transaction.update',
            ...(signature === undefined ? {} : { 'x-hesda-signature': signature }),
          },
          payload: raw,
        });
        expect(res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500), res.body).toBe(true);
        if (res.statusCode === 200) await expectStored(res.json(), events);
        // No transaction exists in this world, so no update, whatever it says, may create or move one.
        expect(await businessRows()).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });
});
