import type { Kysely } from 'kysely';
import type { AuditActorType, Database, Dialect, MailStatus, WebhookOutcome, WebhookProvider } from '../db/index.js';
import { OUTBOX_LIST_COLUMNS } from '../mail/index.js';
import { DELIVERY_LIST_COLUMNS } from '../webhooks/index.js';
import { startsWith, startsWithAny } from './search-key.js';

/**
 * The console's lists: newest first, keyset-paginated on id (`before`: the last id of the previous
 * page), so page 500 costs what page 1 costs. Every filter has an index ending in id (0006-admin);
 * test/data/admin-lists.test.ts checks the plans at 100,000 members and 1,000,000 events.
 */

export const PAGE_SIZE = 50;

export interface PageQuery {
  before?: number | undefined;
  limit?: number;
}

export interface Paged<T> {
  rows: T[];
  /** `before` for the next page, or null on the last one. */
  next: number | null;
}

/** One row more than shown tells whether there is a next page, without a COUNT(*). */
function paged<T extends { id: number }>(rows: T[], limit: number): Paged<T> {
  const shown = rows.slice(0, limit);
  return { rows: shown, next: rows.length > limit ? (shown.at(-1)?.id ?? null) : null };
}

/** Ids are 32-bit (PostgreSQL serial). */
export const MAX_ID = 2_147_483_647;
// Keyset bound: always present, so the first page is an index range too (never a table scan).
const bound = (q: PageQuery) => Math.min(q.before ?? MAX_ID, MAX_ID);

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
    .where('id', '<', bound(query))
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (/^#\d{1,12}$/.test(term)) q = q.where('id', '=', Number(term.slice(1)));
  else if (term !== '') q = q.where(startsWithAny(dialect, ['members.email', 'members.name', 'members.phone'], term));
  return paged(await q.execute(), limit);
}

export async function searchLicenses(
  db: Kysely<Database>,
  dialect: Dialect,
  query: PageQuery & { search?: string | undefined },
) {
  const limit = query.limit ?? PAGE_SIZE;
  const term = query.search?.trim() ?? '';
  let q = db
    .selectFrom('licenses')
    .innerJoin('orders', 'orders.id', 'licenses.order_id')
    .select([
      'licenses.id',
      'licenses.license_key',
      'licenses.email',
      'licenses.product_title',
      'licenses.product_uuid',
      'licenses.status',
      'licenses.max_devices',
      'licenses.expires_at',
      'licenses.created_at',
      'orders.order_no',
    ])
    .where('licenses.id', '<', bound(query))
    .orderBy('licenses.id', 'desc')
    .limit(limit + 1);
  if (term !== '')
    q = q.where(startsWithAny(dialect, ['licenses.license_key', 'licenses.email', 'licenses.product_title'], term));
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
    .where('id', '<', bound(query))
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
    .where('id', '<', bound(query))
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
    .where('id', '<', bound(query))
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
