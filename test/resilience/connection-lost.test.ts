import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Transact } from '../../src/db/index.js';
import { listDeliveries } from '../../src/webhooks/index.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS } from '../helpers/world.js';

/**
 * The worst moment of an outage: PostgreSQL drops the webhook's own connection inside its
 * transaction (pg_terminate_backend, as a failover or an operator would), while the pool can still
 * open a fresh one. The delivery must not be stored as "failed" on that fresh connection with a 200:
 * Lynk would not retry, and a retry would only be a duplicate nobody processes. Proves the
 * isDatabaseUnavailable() branch of receiveLynkDelivery: 503, nothing stored, the retry processed.
 */
describe.each(DIALECTS.filter((d) => d === 'postgres'))('connection lost inside the webhook transaction (%s)', () => {
  let world: World | undefined;
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    await world?.close();
    app = undefined;
    world = undefined;
  });

  it('answers 503 and stores nothing, so the retried delivery is processed once', async () => {
    const w = await createWorld('postgres', { PRODUCT_RULES: '[{"uuid":"prod-ebook","action":"license"}]' });
    world = w;
    let terminate = true;
    // A real transaction whose server process is killed before the webhook's first write.
    const transact: Transact = (work) =>
      w.database.transact(async (trx) => {
        if (terminate) {
          terminate = false;
          await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx);
        }
        return work(trx);
      });
    app = await buildApp({
      config: w.config,
      database: { ...w.database, transact },
      runtime: w.runtime,
      logger: pino({ level: 'silent' }),
    });
    const body = payment({ email: 'putus@example.com' });

    const cut = await postLynk(app, body);
    expect(cut.statusCode).toBe(503);
    expect(cut.json()).toMatchObject({ error: { code: 'STORAGE_UNAVAILABLE' } });
    expect(await listDeliveries(w.database.db, { provider: 'lynk' })).toHaveLength(0);

    const retried = await postLynk(app, body);
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ outcome: 'processed', duplicate: false });
    const events = await listDeliveries(w.database.db, { provider: 'lynk' });
    expect(events.map((e) => e.outcome)).toEqual(['processed']);
    expect(await w.database.db.selectFrom('licenses').select('id').execute()).toHaveLength(1);
  });
});
