import { afterEach, describe, expect, it } from 'vitest';
import { addAdmin, signInAdmin } from '../helpers/admin.js';
import { postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS } from '../helpers/world.js';

/**
 * Lynk.id's "Test URL" button posts a generic body without a valid signature. It must succeed (the
 * seller otherwise thinks the connection is broken), grant nothing, store no row per request, be
 * limited per address, and show on the console's overview.
 */
describe.each(DIALECTS)('the Lynk.id dashboard test delivery (%s)', (dialect) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  const rowCount = async (w: World, table: 'webhook_events' | 'orders' | 'members') =>
    Number(
      (
        await w.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('an unsigned test_event and an event without message_data are answered 200, counted, and store nothing', async () => {
    const w = await createWorld(dialect);
    world = w;
    const bodies = [
      { event: 'test_event', data: { message: 'Test webhook from Lynk.id' } },
      { event: 'payment.received', data: { message_id: 'uji-1' } },
    ];
    for (const [i, body] of bodies.entries()) {
      const signature = i === 0 ? null : 'b'.repeat(64);
      const res = await postLynk(w.app, body, { signature });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'success', test: true });
    }
    expect(await rowCount(w, 'webhook_events')).toBe(0);
    expect(await rowCount(w, 'orders')).toBe(0);
    expect(await rowCount(w, 'members')).toBe(0);
    const counted = await w.database.db.selectFrom('webhook_test_pings').selectAll().execute();
    expect(counted).toEqual([{ provider: 'lynk', count: 2, last_at: w.runtime.now(), last_signed: 0 }]);

    // The console's overview tells the seller the connection works.
    await addAdmin(w);
    const admin = await signInAdmin(w);
    const overview = await admin.get('/admin');
    expect(overview.body).toMatch(/Tes dari Lynk\.id diterima .+ \(tanpa tanda tangan sah; 2 kali\)/);
  });

  it('a payment with a wrong signature is still refused 401; test posts past 10 a minute from one address get 429', async () => {
    const w = await createWorld(dialect);
    world = w;
    const forged = await postLynk(
      w.app,
      { event: 'payment.received', data: { message_id: 'x', message_data: { refId: 'x', totals: { grandTotal: 1 } } } },
      { signature: 'c'.repeat(64) },
    );
    expect(forged.statusCode).toBe(401);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await postLynk(w.app, { event: 'test_event' }, { signature: null })).statusCode);
    expect(statuses).toEqual([...Array(10).fill(200), 429, 429]);
    const row = await w.database.db.selectFrom('webhook_test_pings').select('count').executeTakeFirstOrThrow();
    expect(row.count).toBe(10);
  });

  it('a signed test event is counted as signed and stored as ignored, as any signed event', async () => {
    const w = await createWorld(dialect);
    world = w;
    const res = await postLynk(w.app, { event: 'test_event', data: { message_id: 'uji-bertanda' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ outcome: 'ignored', duplicate: false });
    const ping = await w.database.db.selectFrom('webhook_test_pings').selectAll().executeTakeFirstOrThrow();
    expect(ping.last_signed).toBe(1);
    expect(await rowCount(w, 'orders')).toBe(0);
  });
});
