import SqliteDatabase from 'better-sqlite3';

/**
 * The floor under the webhook's database work: the same seven statements Gerbang runs per payment
 * (look up delivery, insert event, look up order, insert order, insert license, queue mail, set the
 * outcome), on the real schema, through better-sqlite3 directly, with no query builder. Run with a
 * prepare per statement (what Kysely's SQLite driver does), with cached statements, and with
 * several payments per transaction (group commit). The SQL mirrors what Kysely compiles today; if
 * the schema changes, this fails and says so instead of measuring something else.
 */

const SQL = {
  findDelivery: 'select "id", "outcome" from "webhook_events" where "provider" = ? and "external_id" = ?',
  insertEvent:
    'insert into "webhook_events" ("provider", "external_id", "event_type", "received_at", "last_received_at", ' +
    '"delivery_count", "raw_body", "signature_valid", "remote_ip", "request_id", "outcome", "error_code", ' +
    '"error_message", "note", "attempts", "processed_at") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning "id"',
  findOrder: 'select * from "orders" where "provider" = ? and "external_ref" = ?',
  insertOrder:
    'insert into "orders" ("order_no", "transaction_no", "provider", "external_ref", "event_id", "email", ' +
    '"customer_name", "phone", "grand_total", "paid_at", "created_at") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning *',
  insertLicense:
    'insert into "licenses" ("license_key", "order_id", "line_no", "unit_no", "product_uuid", "product_title", ' +
    '"email", "lynk_ref_id", "max_devices", "status", "expires_at", "created_at", "revoked_at") ' +
    'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  queueMail:
    'insert into "mail_outbox" ("dedupe_key", "kind", "to_address", "subject", "params", "status", "attempts", ' +
    '"next_attempt_at", "created_at") values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict ("dedupe_key") do nothing',
  setOutcome:
    'update "webhook_events" set "outcome" = ?, "error_code" = ?, "error_message" = ?, "note" = ?, ' +
    '"attempts" = "attempts" + ?, "processed_at" = ? where "id" = ?',
} as const;

export interface FloorVariant {
  label: string;
  cachedStatements: boolean;
  perTransaction: number;
}

/** Runs `count` payments' statements on a migrated database file; returns wall µs per payment. */
export function measureSqliteFloor(
  file: string,
  sync: 'FULL' | 'NORMAL',
  variant: FloorVariant,
  count: number,
  rawBody: string,
): number {
  const db = new SqliteDatabase(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${sync}`);
    db.pragma('foreign_keys = ON');
    const cache = new Map<string, SqliteDatabase.Statement>();
    const statement = (sql: string) => {
      if (!variant.cachedStatements) return db.prepare(sql);
      let s = cache.get(sql);
      if (!s) {
        s = db.prepare(sql);
        cache.set(sql, s);
      }
      return s;
    };
    const tag = `${variant.label}-${sync}`;
    const payment = (i: number) => {
      const now = Date.now();
      const id = `${tag}-${i}`;
      statement(SQL.findDelivery).get('lynk', id);
      const event = statement(SQL.insertEvent).get(
        ...['lynk', id, 'payment.received', now, now, 1, rawBody, 1, '127.0.0.1', 'req', 'failed', null, null, null],
        ...[0, null],
      ) as { id: number };
      statement(SQL.findOrder).get('lynk', id);
      const order = statement(SQL.insertOrder).get(
        ...[`O-${id}`, `T-${id}`, 'lynk', id, event.id, `${id}@example.com`, 'Pembeli', '0812', 72_000, null, now],
      ) as { id: number };
      statement(SQL.insertLicense).run(
        ...[`K-${id}`, order.id, 1, 1, 'bench-ebook', 'E-book Ekspor', `${id}@example.com`, id, 1, 'active', null],
        ...[now, null],
      );
      statement(SQL.queueMail).run(
        `license:${id}`,
        'license',
        `${id}@example.com`,
        'Pembayaran',
        '{}',
        'pending',
        0,
        now,
        now,
      );
      statement(SQL.setOutcome).run('processed', null, null, 'order', 1, now, event.id);
    };
    const started = performance.now();
    for (let i = 0; i < count; i += variant.perTransaction) {
      statement('begin').run();
      for (let j = i; j < Math.min(count, i + variant.perTransaction); j++) payment(j);
      statement('commit').run();
    }
    return ((performance.now() - started) * 1000) / count;
  } finally {
    db.close();
  }
}
