import type { Kysely } from 'kysely';
import type { Runtime } from '../clock.js';
import type { Database } from '../db/index.js';
import type { QueueContext } from './outbox.js';

/**
 * An event that is raised by time passing rather than by a request: a license reaching its
 * `expires_at` (expiry is derived, no row changes). The feature that owns the data says when the
 * next one falls due and queues those of a window; the worker keeps how far it has announced in
 * `webhook_sweeps`. Each event carries a dedupe key, so two instances sweeping the same window
 * queue it once.
 */
export interface WebhookSweep {
  name: string;
  /** The earliest time after `after` at which an event of this sweep falls due, or null. */
  nextDue(db: Kysely<Database>, after: number): Promise<number | null>;
  /** Queues the events of the window (from, to] inside the caller's transaction. */
  announce(trx: Kysely<Database>, from: number, to: number, ctx: QueueContext): Promise<number>;
}

/**
 * How far a sweep has announced. Before its first run: from when the first endpoint was added
 * (events are for endpoints; a new installation does not announce every license that expired
 * before anyone listened). Null while there is no endpoint at all.
 */
async function sweptUntil(db: Kysely<Database>, name: string): Promise<number | null> {
  const row = await db.selectFrom('webhook_sweeps').select('swept_until').where('name', '=', name).executeTakeFirst();
  if (row) return Number(row.swept_until);
  const first = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.min('created_at').as('at'))
    .executeTakeFirst();
  return first?.at === null || first?.at === undefined ? null : Number(first.at);
}

/** Announces what fell due since the last sweep; nothing is written unless something fell due. */
export async function runSweeps(db: Kysely<Database>, sweeps: readonly WebhookSweep[], runtime: Runtime) {
  for (const sweep of sweeps) {
    const now = runtime.now();
    const from = await sweptUntil(db, sweep.name);
    if (from === null) continue;
    const due = await sweep.nextDue(db, from);
    if (due === null || due > now) continue;
    await db.transaction().execute(async (trx) => {
      await sweep.announce(trx, from, now, { now, randomBytes: runtime.randomBytes });
      // Another instance may have moved it further meanwhile: the cursor only moves forward.
      await trx
        .insertInto('webhook_sweeps')
        .values({ name: sweep.name, swept_until: now })
        .onConflict((oc) =>
          oc.column('name').doUpdateSet({ swept_until: now }).where('webhook_sweeps.swept_until', '<', now),
        )
        .execute();
    });
  }
}

/** The earliest time a sweep has something to announce, or null. */
export async function nextSweepDueAt(db: Kysely<Database>, sweeps: readonly WebhookSweep[]): Promise<number | null> {
  let earliest: number | null = null;
  for (const sweep of sweeps) {
    const from = await sweptUntil(db, sweep.name);
    if (from === null) continue;
    const due = await sweep.nextDue(db, from);
    if (due !== null && (earliest === null || due < earliest)) earliest = due;
  }
  return earliest;
}
