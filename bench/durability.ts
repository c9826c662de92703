import SqliteDatabase from 'better-sqlite3';
import type { LedgerCounts } from './payment-pool.js';

/**
 * After a run the server is killed (SIGKILL, like a crash) and its SQLite file is opened read-only:
 * every delivery answered "processed" must be there with its license and its outbox mail. Rows
 * beyond the 2xx count are allowed only for requests whose answer never arrived: cut off when the
 * load generator stopped, or timed out (sent, maybe committed by the server, answer never read).
 */

export interface DatabaseCounts {
  processedEvents: number;
  licenses: number;
  outbox: number;
  /** Outbox rows the server's mail worker had already sent (dev transport) when it was killed. */
  outboxSent: number;
}

export interface DurabilityCheck {
  ok: boolean;
  counts: DatabaseCounts;
  /** Answered "processed" but absent from the database: must be zero. */
  missing: number;
  summary: string;
}

export function checkDurability(dbFile: string, ledger: LedgerCounts, processedIds: string[]): DurabilityCheck {
  const db = new SqliteDatabase(dbFile, { readonly: true, fileMustExist: true });
  try {
    const count = (sql: string): number => {
      const row = db.prepare(sql).get() as { n: number } | undefined;
      return row?.n ?? 0;
    };
    const counts: DatabaseCounts = {
      processedEvents: count(
        "select count(*) as n from webhook_events where provider = 'lynk' and outcome = 'processed'",
      ),
      licenses: count('select count(*) as n from licenses'),
      outbox: count('select count(*) as n from mail_outbox'),
      outboxSent: count("select count(*) as n from mail_outbox where status = 'sent'"),
    };
    const stored = db.prepare(
      "select 1 from webhook_events where provider = 'lynk' and external_id = ? and outcome = 'processed'",
    );
    let missing = 0;
    for (const id of processedIds) if (stored.get(id) === undefined) missing++;

    const extra = counts.processedEvents - ledger.processed;
    const problems: string[] = [];
    if (missing > 0) problems.push(`${missing} answered 2xx but not stored`);
    const unknown = ledger.unanswered + ledger.lost;
    if (extra < 0 || extra > unknown)
      problems.push(`${counts.processedEvents} processed events for ${ledger.processed} 2xx answers`);
    if (counts.licenses !== counts.processedEvents)
      problems.push(`${counts.licenses} licenses for ${counts.processedEvents} events`);
    if (counts.outbox !== counts.processedEvents)
      problems.push(`${counts.outbox} outbox mails for ${counts.processedEvents} events`);
    if (ledger.other2xx > 0) problems.push(`${ledger.other2xx} 2xx answers that were not "processed"`);

    const base =
      `events ${counts.processedEvents} = licenses ${counts.licenses} = mails ${counts.outbox} vs 2xx ${ledger.processed}; ` +
      `${counts.outboxSent} mails already sent when killed`;
    const cutOff = extra > 0 ? `, +${extra} committed whose answer was cut off or timed out` : '';
    return {
      ok: problems.length === 0,
      counts,
      missing,
      summary: problems.length === 0 ? `OK (${base}${cutOff})` : `MISMATCH: ${problems.join('; ')} (${base})`,
    };
  } finally {
    db.close();
  }
}

/** Outbox rows not yet sent, read while the server runs (WAL lets a reader beside the writer). */
export function countUnsentMail(dbFile: string): number {
  const db = new SqliteDatabase(dbFile, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare("select count(*) as n from mail_outbox where status <> 'sent'").get() as
      | { n: number }
      | undefined;
    return row?.n ?? 0;
  } finally {
    db.close();
  }
}
