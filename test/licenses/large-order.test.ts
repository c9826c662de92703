import { describe, expect, it } from 'vitest';
import { MAX_BIND_PARAMETERS, statementChunks } from '../../src/db/index.js';
import { payment, postLynk } from '../helpers/lynk.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

describe.each(DIALECTS)('a large Lynk order (%s)', (dialect) => {
  const open = worldPerTest(dialect);

  // 3,000 units pass SQLite's bind-parameter limit in one INSERT, 5,000 PostgreSQL's as well.
  it.each([3, 5])(
    '%i items × 1,000 units: a license each with a unique key, the event processed, one mail listing them all',
    async (lines) => {
      const world = await open();
      const { db } = world.database;
      const units = lines * 1000;
      const items = Array.from({ length: lines }, (_, i) => i + 1).map((n) => ({
        title: `Paket Sekolah ${n}`,
        uuid: `p-${n}`,
        qty: 1000,
        price: 1000,
      }));
      const res = await postLynk(world.app, payment({ items }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ outcome: 'processed' });

      const event = await db.selectFrom('webhook_events').select(['outcome', 'note']).executeTakeFirstOrThrow();
      expect(event.outcome).toBe('processed');
      expect(event.note).toContain(`${units} lisensi`);
      const licenses = await db.selectFrom('licenses').select(['license_key', 'line_no', 'unit_no']).execute();
      expect(licenses).toHaveLength(units);
      expect(new Set(licenses.map((l) => l.license_key)).size).toBe(units);
      expect(new Set(licenses.map((l) => `${l.line_no}/${l.unit_no}`)).size).toBe(units);
      // One mail per order, as for any cart, carrying every key.
      const mails = await db.selectFrom('mail_outbox').select(['kind', 'params']).execute();
      expect(mails).toHaveLength(1);
      expect(mails[0]?.kind).toBe('license');
      const mailed = (JSON.parse(mails[0]?.params ?? '{}') as { items: { keys: string[] }[] }).items.flatMap(
        (i) => i.keys,
      );
      expect(new Set(mailed)).toEqual(new Set(licenses.map((l) => l.license_key)));
    },
  );
});

describe('rows per INSERT', () => {
  it('stay within the bind-parameter limit both dialects share, in order', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ a: i, b: 0, c: 0, d: 0, e: 0, f: 0, g: 0 }));
    const chunks = statementChunks(rows);
    for (const chunk of chunks) expect(chunk.length * 7).toBeLessThanOrEqual(MAX_BIND_PARAMETERS);
    expect(chunks.flat()).toEqual(rows);
    expect(statementChunks([])).toEqual([]);
  });
});
