import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR, listAudit } from '../../src/audit/index.js';
import { hesdaSettings, NOT_ORDERED_MESSAGE, placePpobOrder, resolvePpobTransaction } from '../../src/ppob/index.js';
import { createMemoryBus } from '../../src/realtime/index.js';
import { listDeliveries } from '../../src/webhooks/index.js';
import { addMember } from '../helpers/auth.js';
import { FakeHesda, hesdaEnv, postHesda, seedTransaction, update } from '../helpers/hesda.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

describe.each(DIALECTS)('reconciling orders whose outcome was unknown (%s)', (dialect) => {
  let hesda: FakeHesda;
  const openWorld = worldPerTest(dialect);
  afterEach(async () => {
    await hesda?.close();
  });
  const deps = (world: World) => ({
    db: world.database.db,
    runtime: world.runtime,
    bus: createMemoryBus(),
    log: pino({ level: 'silent' }),
    hesda: hesdaSettings(world.config.ppob),
  });
  /** An order whose call timed out: stored as unknown, as placePpobOrder leaves it. */
  const unknownOrder = async (world: World, memberEmail?: string) => {
    hesda.behaviour = { kind: 'hang' };
    const result = await placePpobOrder(
      deps(world),
      { productCode: 'XXL5', customerNo: '0895123456789', memberEmail },
      CLI_ACTOR,
    );
    if (result.ok || result.code !== 'PPOB_OUTCOME_UNKNOWN') throw new Error('expected an unknown outcome');
    return result.transaction;
  };
  const open = async () => {
    hesda = await FakeHesda.start();
    return openWorld(hesdaEnv(hesda, { HESDA_TIMEOUT_SECONDS: '0.2' }));
  };

  it("recording Hesda's id applies the callback that arrived meanwhile, audited and announced", async () => {
    const world = await open();
    const memberId = await addMember(world, 'eka@example.com');
    const order = await unknownOrder(world, 'eka@example.com');
    // Hesda did place it and called back; we could not match the id.
    expect((await postHesda(world.app, update('HSD-42', 'success'))).json().outcome).toBe('failed');
    const bus = createMemoryBus();
    const heard: unknown[] = [];
    bus.subscribe(memberId, (e) => heard.push(e.data));
    const result = await resolvePpobTransaction(
      { ...deps(world), bus },
      order.id,
      { hesdaTransactionId: 'HSD-42' },
      CLI_ACTOR,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.transaction).toMatchObject({
      status: 'success',
      sn: '1234567890',
      hesda_transaction_id: 'HSD-42',
      last_error: null,
    });
    const [event] = await listDeliveries(world.database.db, { provider: 'hesda' });
    expect(event).toMatchObject({ outcome: 'processed', error_code: null });
    expect(heard).toEqual([expect.objectContaining({ id: order.id, status: 'success' })]);
    const [audit] = await listAudit(world.database.db, { action: 'ppob.reconcile' });
    expect(audit).toMatchObject({ actor_type: 'cli', target_id: String(order.id) });
    // Later webhooks match it directly now.
    expect((await postHesda(world.app, update('HSD-42', 'failed'))).json().outcome).toBe('ignored');
  });

  it('"not ordered" ends it as failed with a message for the member', async () => {
    const world = await open();
    const order = await unknownOrder(world);
    const result = await resolvePpobTransaction(deps(world), order.id, { notOrdered: true }, CLI_ACTOR);
    expect(result).toMatchObject({ ok: true, transaction: { status: 'failed', message: NOT_ORDERED_MESSAGE } });
    expect(hesda.orders).toHaveLength(1);
  });

  it('only unknown orders can be resolved, and a Hesda id belongs to one transaction', async () => {
    const world = await open();
    const pending = await seedTransaction(world, 'HSD-7');
    const order = await unknownOrder(world);
    expect(await resolvePpobTransaction(deps(world), pending.id, { notOrdered: true }, CLI_ACTOR)).toEqual({
      ok: false,
      code: 'NOT_UNKNOWN',
    });
    expect(await resolvePpobTransaction(deps(world), 9999, { notOrdered: true }, CLI_ACTOR)).toEqual({
      ok: false,
      code: 'NOT_FOUND',
    });
    expect(await resolvePpobTransaction(deps(world), order.id, { hesdaTransactionId: 'HSD-7' }, CLI_ACTOR)).toEqual({
      ok: false,
      code: 'HESDA_ID_TAKEN',
    });
    const row = await world.database.db
      .selectFrom('ppob_transactions')
      .selectAll()
      .where('id', '=', order.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('unknown');
    expect(await listAudit(world.database.db, { action: 'ppob.reconcile' })).toEqual([]);
  });
});
