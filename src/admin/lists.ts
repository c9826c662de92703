import type { Kysely } from 'kysely';
import type {
  AuditActorType,
  Database,
  Dialect,
  MailStatus,
  PageQuery,
  WebhookOutcome,
  WebhookProvider,
} from '../db/index.js';
import { keysetBound, PAGE_SIZE, paged, startsWith, startsWithAny } from '../db/index.js';
import { OUTBOX_LIST_COLUMNS } from '../mail/index.js';
import { DELIVERY_LIST_COLUMNS } from '../webhooks/index.js';

/**
 * The console's own lists (members, events, mail, audit): newest first, keyset-paginated on id
 * (src/db/keyset.ts). Every filter has an index ending in id (0006-admin); test/data/admin-lists.test.ts
 * checks the plans at 100,000 members and 1,000,000 events. Licenses and PPOB list themselves
 * (src/licenses, src/ppob).
 */

export async function searchMembers(
  db: Kysely<Database>,
  dialect: Dialect,
  query: PageQuery & { search?: string | undefined },
) {
  const limit = query.limit ?? PAGE_SIZE;
  const term = query.search?.trim() ?? '';
  let q = db
    .selectFrom('members')
    .select(['id', 'email', 'name', 'phone', 'role', 'status', 'password_set_at', 'created_at'])
    .where('id', '<', keysetBound(query))
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (/^#\d{1,12}$/.test(term)) q = q.where('id', '=', Number(term.slice(1)));
  else if (term !== '') q = q.where(startsWithAny(dialect, ['members.email', 'members.name', 'members.phone'], term));
  return paged(await q.execute(), limit);
}

export async function listEvents(
  db: Kysely<Database>,
  query: PageQuery & { provider?: WebhookProvider | undefined; outcome?: WebhookOutcome | undefined },
) {
  const limit = query.limit ?? PAGE_SIZE;
  let q = db
    .selectFrom('webhook_events')
    .select(DELIVERY_LIST_COLUMNS)
    .where('id', '<', keysetBound(query))
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (query.provider) q = q.where('provider', '=', query.provider);
  if (query.outcome) q = q.where('outcome', '=', query.outcome);
  return paged(await q.execute(), limit);
}

export async function listOutbox(
  db: Kysely<Database>,
  dialect: Dialect,
  query: PageQuery & { status?: MailStatus | undefined; to?: string | undefined },
) {
  const limit = query.limit ?? PAGE_SIZE;
  let q = db
    .selectFrom('mail_outbox')
    .select(OUTBOX_LIST_COLUMNS)
    .where('id', '<', keysetBound(query))
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (query.status) q = q.where('status', '=', query.status);
  const to = query.to?.trim();
  if (to) q = q.where(startsWith(dialect, 'mail_outbox.to_address', to));
  return paged(await q.execute(), limit);
}

export async function listAuditPage(
  db: Kysely<Database>,
  query: PageQuery & { action?: string | undefined; actorType?: AuditActorType | undefined },
) {
  const limit = query.limit ?? PAGE_SIZE;
  let q = db
    .selectFrom('audit_log')
    .selectAll()
    .where('id', '<', keysetBound(query))
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (query.action) q = q.where('action', '=', query.action);
  if (query.actorType) q = q.where('actor_type', '=', query.actorType);
  return paged(await q.execute(), limit);
}

/** The distinct audit actions, for the filter's choices (from the (action, id) index). */
export async function auditActions(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('audit_log').select('action').distinct().orderBy('action').execute();
  return rows.map((r) => r.action);
}

/**
 * The values before a change, when that change is still the latest audited action on its target:
 * what "Urungkan perubahan" puts back. Anything done since (another edit, an undo) ends the offer.
 */
export async function undoableChange(
  db: Kysely<Database>,
  targetType: string,
  targetId: number,
  action: string,
): Promise<Record<string, unknown> | undefined> {
  const last = await db
    .selectFrom('audit_log')
    .select(['action', 'details'])
    .where('target_type', '=', targetType)
    .where('target_id', '=', String(targetId))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (last?.action !== action) return undefined;
  const before = (JSON.parse(last.details) as { before?: unknown }).before;
  return before && typeof before === 'object' ? (before as Record<string, unknown>) : undefined;
}
