import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The database schema as Kysely sees it. Times are epoch milliseconds (integers) in both dialects
 * so that comparisons and back-off arithmetic are identical on SQLite and PostgreSQL.
 */
export interface Database {
  webhook_events: WebhookEventsTable;
  members: MembersTable;
  orders: OrdersTable;
  licenses: LicensesTable;
  mail_outbox: MailOutboxTable;
  one_time_tokens: OneTimeTokensTable;
}

export type WebhookProvider = 'lynk' | 'hesda';
/** processed · ignored (not a paid payment, or a payment seen before) · failed (retryable by replay) · rejected (bad signature or body; never processed). */
export type WebhookOutcome = 'processed' | 'ignored' | 'failed' | 'rejected';

export interface WebhookEventsTable {
  id: Generated<number>;
  provider: WebhookProvider;
  external_id: string | null;
  event_type: string | null;
  received_at: number;
  last_received_at: number;
  delivery_count: number;
  raw_body: string;
  signature_valid: number;
  remote_ip: string | null;
  request_id: string | null;
  outcome: WebhookOutcome;
  error_code: string | null;
  error_message: string | null;
  /** What processing did, for operators: "order KEI-…: 2 lisensi, member baru". */
  note: string | null;
  attempts: number;
  processed_at: number | null;
  /** The order this delivery created, if any. */
  order_id: number | null;
}

export interface MembersTable {
  id: Generated<number>;
  email: string;
  username: string;
  name: string;
  phone: string;
  role: 'member' | 'admin';
  status: 'active' | 'disabled';
  password_hash: string;
  password_set_at: number | null;
  /** The order whose payment created this member (null for members made by hand). */
  source_order_id: number | null;
  created_at: number;
  updated_at: number;
}

export interface OrdersTable {
  id: Generated<number>;
  order_no: string;
  transaction_no: string;
  provider: WebhookProvider;
  external_ref: string;
  email: string;
  customer_name: string;
  phone: string;
  grand_total: number;
  paid_at: string | null;
  created_at: number;
}

export interface LicensesTable {
  id: Generated<number>;
  license_key: string;
  order_id: number;
  line_no: number;
  unit_no: number;
  product_uuid: string;
  product_title: string;
  email: string;
  lynk_ref_id: string;
  max_devices: number;
  status: 'active' | 'revoked';
  expires_at: number | null;
  created_at: number;
  revoked_at: number | null;
}

export type MailKind = 'license' | 'registration';
export type MailStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface MailOutboxTable {
  id: Generated<number>;
  dedupe_key: string;
  kind: MailKind;
  to_address: string;
  subject: string;
  params: string;
  text_body: string | null;
  html_body: string | null;
  status: MailStatus;
  transport: 'smtp' | 'dev' | null;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  smtp_message_id: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface OneTimeTokensTable {
  id: Generated<number>;
  token_hash: string;
  purpose: 'set_password';
  member_id: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export type WebhookEvent = Selectable<WebhookEventsTable>;
export type NewWebhookEvent = Insertable<WebhookEventsTable>;
export type Member = Selectable<MembersTable>;
export type NewMember = Insertable<MembersTable>;
export type Order = Selectable<OrdersTable>;
export type License = Selectable<LicensesTable>;
export type NewLicense = Insertable<LicensesTable>;
export type MailRow = Selectable<MailOutboxTable>;
export type MailUpdate = Updateable<MailOutboxTable>;
