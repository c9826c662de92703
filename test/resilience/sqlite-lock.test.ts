import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../src/webhooks/index.js';
import { addMember, PASSWORD, TestDevice } from '../helpers/auth.js';
import { HESDA_SECRET, postHesda, seedTransaction, update } from '../helpers/hesda.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

/**
 * SQLite's honest equivalent of "the database is unreachable": another process holds the write
 * lock longer than our busy_timeout (5 s), e.g. a backup or a `sqlite3` shell left in a
 * transaction. Proves: webhooks answer 503 with a JSON error (never 200, so Lynk and Hesda retry;
 * never a 500 as for a bug), a login answers 503 too, nothing is written, and once the lock is
 * released the same deliveries are processed exactly once, without a restart.
 */
describe('SQLite write-locked by another connection', () => {
  let world: World | undefined;
  let locker: Database.Database | undefined;
  afterEach(async () => {
    locker?.close();
    await world?.close();
    locker = undefined;
    world = undefined;
  });

  it('webhooks and login answer 503 while the lock is held, and the retries are processed once after', {
    timeout: 60_000,
  }, async () => {
    const w = await createWorld('sqlite', {
      HESDA_SECRET_KEY: HESDA_SECRET,
      PRODUCT_RULES: '[{"uuid":"prod-ebook","action":"license"}]',
    });
    world = w;
    await addMember(w, 'ani@example.com');
    const pending = await seedTransaction(w, 'trx-lock-1');
    const body = payment({ email: 'terkunci@example.com' });
    const device = new TestDevice(w.app);
    const csrf = await device.csrfToken();

    // Another connection takes the write lock (WAL: readers still read, writers wait, then give up).
    if (w.config.database.kind !== 'sqlite') throw new Error('not SQLite');
    const other = new Database(w.config.database.file);
    locker = other;
    other.exec('begin immediate');

    const lynk = await postLynk(w.app, body);
    expect(lynk.statusCode).toBe(503);
    expect(lynk.json()).toMatchObject({ error: { code: 'STORAGE_UNAVAILABLE' } });
    const hesda = await postHesda(w.app, update('trx-lock-1', 'success'));
    expect(hesda.statusCode).toBe(503);
    expect(hesda.json()).toMatchObject({ status: 'error', error: { code: 'STORAGE_UNAVAILABLE' } });
    const login = await device.post(
      '/login',
      { email: 'ani@example.com', password: PASSWORD, fingerprint: device.fingerprint },
      { csrf, accept: 'application/json' },
    );
    expect(login.statusCode).toBe(503);
    expect(login.json()).toMatchObject({ error: { code: 'STORAGE_UNAVAILABLE' } });

    other.exec('rollback');
    expect(await listDeliveries(w.database.db, { provider: 'lynk' })).toHaveLength(0);
    expect(await listDeliveries(w.database.db, { provider: 'hesda' })).toHaveLength(0);

    // Released: the senders' retries go through, once.
    const retried = await postLynk(w.app, body);
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ outcome: 'processed', duplicate: false });
    expect((await postLynk(w.app, body)).json()).toMatchObject({ duplicate: true });
    const hesdaRetry = await postHesda(w.app, update('trx-lock-1', 'success'));
    expect(hesdaRetry.json()).toMatchObject({ outcome: 'processed', duplicate: false });
    const row = await w.database.db
      .selectFrom('ppob_transactions')
      .select('status')
      .where('id', '=', pending.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('success');
    expect(await w.database.db.selectFrom('licenses').select('id').execute()).toHaveLength(1);
    const signedIn = await device.post(
      '/login',
      { email: 'ani@example.com', password: PASSWORD, fingerprint: device.fingerprint },
      { accept: 'application/json' },
    );
    expect(signedIn.statusCode).toBe(200);
  });
});
