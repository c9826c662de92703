import type { Kysely } from 'kysely';
import type { AuditActorType, Database } from '../db/index.js';

/** Who performed an action. Labels are copied into the row so the log stays readable after deletions. */
export interface AuditActor {
  type: AuditActorType;
  id: number | null;
  label: string;
  ip: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { type: 'system', id: null, label: 'system', ip: null };
export const CLI_ACTOR: AuditActor = { type: 'cli', id: null, label: 'cli', ip: null };

export interface AuditRecord {
  action: string;
  target?: { type: string; id: string | number } | undefined;
  /** Anything useful to an operator; never secrets (tokens, passwords, keys' hashes). */
  details?: Record<string, unknown>;
}

/**
 * Appends one entry. Call it with the transaction handle of the change it describes, so the log
 * holds an entry exactly when the change happened (a rollback removes both).
 */
export async function recordAudit(
  db: Kysely<Database>,
  actor: AuditActor,
  entry: AuditRecord,
  at: number,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      actor_label: actor.label.slice(0, 200),
      action: entry.action,
      target_type: entry.target?.type ?? null,
      target_id: entry.target === undefined ? null : String(entry.target.id),
      ip: actor.ip,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}

export interface AuditListFilter {
  action?: string;
  target?: { type: string; id: string | number };
  /** Keyset pagination: entries older than this id. */
  beforeId?: number;
  limit?: number;
}

/** Newest first; keyset-paginated so the hundredth page is as fast as the first. */
export function listAudit(db: Kysely<Database>, filter: AuditListFilter = {}) {
  let q = db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 50);
  if (filter.action) q = q.where('action', '=', filter.action);
  if (filter.target)
    q = q.where('target_type', '=', filter.target.type).where('target_id', '=', String(filter.target.id));
  if (filter.beforeId !== undefined) q = q.where('id', '<', filter.beforeId);
  return q.execute();
}
