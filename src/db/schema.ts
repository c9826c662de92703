import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The database schema as Kysely sees it. Times are epoch milliseconds (integers) in both dialects
 * so that comparisons and back-off arithmetic are identical on SQLite and PostgreSQL.
 */
export interface Database {
  webhook_events: WebhookEventsTable;
  members: MembersTable;
  membership_grants: MembershipGrantsTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
  store_settings: StoreSettingsTable;
  licenses: LicensesTable;
  mail_outbox: MailOutboxTable;
  one_time_tokens: OneTimeTokensTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  realtime_events: RealtimeEventsTable;
  rate_limits: RateLimitsTable;
  audit_log: AuditLogTable;
  api_tokens: ApiTokensTable;
  ppob_transactions: PpobTransactionsTable;
  license_activations: LicenseActivationsTable;
  product_rules: ProductRulesTable;
  admin_setup: AdminSetupTable;
  license_signing_keys: LicenseSigningKeysTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_messages: WebhookMessagesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_sweeps: WebhookSweepsTable;
  webhook_signing_keys: WebhookSigningKeysTable;
  webhook_test_pings: WebhookTestPingsTable;
  content_products: ContentProductsTable;
  content_items: ContentItemsTable;
  content_files: ContentFilesTable;
  content_file_chunks: ContentFileChunksTable;
  content_deliveries: ContentDeliveriesTable;
  device_events: DeviceEventsTable;
  transfer_reset_requests: TransferResetRequestsTable;
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
  /** Verified Lynk deliveries: digest of what the signature covers, unique (a signature serves one body). */
  signature_digest: string | null;
  /** Refused deliveries: provider, IP, reason and minute, unique (one sampled row counts them all). */
  rejected_key: string | null;
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
  /** 1 while a phone-number password waits for the member to prove the mailbox (one emailed link). */
  needs_email_proof: Generated<number>;
  /** When `gerbang import legacy` brought this member over from the previous system (null: made here). */
  imported_at: Generated<number | null>;
  /** 1: the member must choose a new password before any member page (an imported default password). */
  password_change_required: Generated<number>;
  /** Takeovers allowed per TAKEOVER_WINDOW_HOURS from the membership's product rule; null: TAKEOVER_LIMIT. */
  takeover_limit: Generated<number | null>;
  /** The seller reset the takeover count: takeovers before this no longer count. */
  takeovers_reset_at: Generated<number | null>;
  /** 1: a membership account; 0: a buyer of licenses only (signs in to see their keys). */
  is_member: Generated<number>;
  /** When the membership ends; null: lifetime (or no membership, see is_member). From membership_grants. */
  membership_ends_at: Generated<number | null>;
}

/** Membership time one purchase (or the console) gave: a refund revokes its row, the end is computed again. */
export interface MembershipGrantsTable {
  id: Generated<number>;
  member_id: number;
  /** The paying order; null for a membership given by hand or held before memberships could end. */
  order_id: number | null;
  product_title: string;
  /** null: lifetime. */
  days: number | null;
  /** The seller's page to buy again (the product rule's renewUrl when granted). */
  renew_url: string | null;
  paid_at: number;
  created_at: number;
  revoked_at: number | null;
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
  /** 1: a simulated or "Uji coba" payment (never revenue). */
  is_test: Generated<number>;
  /** When the buyer's data was deleted from this order (name, email and phone blanked). */
  anonymised_at: Generated<number | null>;
  /** Refunded by the seller: everything the order granted was revoked. */
  refunded_at: Generated<number | null>;
  refund_reason: Generated<string | null>;
}

/** uuid / title: a product rule matched · member_title: MEMBER_PRODUCT_TITLES · member_uuid: a renamed member product (its uuid made members before) · none: the default license. */
export type ItemMatch = 'uuid' | 'title' | 'member_title' | 'member_uuid' | 'none';

/** One line of a paid order and what the product rules made of it. */
export interface OrderItemsTable {
  id: Generated<number>;
  order_id: number;
  line_no: number;
  title: string;
  uuid: string;
  qty: number;
  /** Whole rupiah per unit, as Lynk sent it. */
  price: number;
  action: 'member' | 'license';
  matched_by: ItemMatch;
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
  /** Stored status; `expired` is derived from expires_at (see src/licenses/status.ts). */
  status: 'active' | 'revoked';
  expires_at: number | null;
  created_at: number;
  revoked_at: number | null;
  /** One device too many: refused, or the oldest activation makes way (from the product rule). */
  on_limit: Generated<'refuse' | 'takeover'>;
  /** Why it was revoked (admin, refund, …); null while active. */
  revoked_reason: string | null;
  /** When `gerbang import legacy` brought this key over (null: issued here). */
  imported_at: Generated<number | null>;
  /** The previous system's order and transaction numbers (`KEI-` + 8 or 4 hex digits), as its mails showed them. */
  legacy_order_no: Generated<string | null>;
  legacy_transaction_no: Generated<string | null>;
  /** Days a license token lets an app work offline (from the product rule); null: LICENSE_TOKEN_GRACE_DAYS. */
  offline_grace_days: number | null;
  /** Releases allowed per 30 days (from the product rule); null: LICENSE_MAX_TRANSFERS. */
  max_transfers: Generated<number | null>;
  /** The last reset of the release count (by the seller, or a granted request): older releases no longer count. */
  transfers_reset_at: Generated<number | null>;
}

/** takeover: a new device took the slot · deactivated: the seller's app or the member released it · reset · license_revoked. */
export type ActivationRevokeReason = 'takeover' | 'deactivated' | 'reset' | 'license_revoked';

/** One device a license is activated on (Keygen's "machine", Lemon Squeezy's "instance"). */
export interface LicenseActivationsTable {
  id: Generated<number>;
  license_id: number;
  /** 1..max_devices, unique among live activations of a license: the last free slot is taken once. */
  slot: number;
  /** SHA-256 hex of the fingerprint the client sent; the raw value is never stored nor shown. */
  fingerprint_hash: string;
  name: string;
  created_at: number;
  last_validated_at: number;
  revoked_at: number | null;
  revoked_reason: ActivationRevokeReason | null;
}

export type MailKind =
  | 'license'
  | 'registration'
  | 'login_link'
  | 'password_reset'
  | 'email_change'
  | 'email_changed'
  | 'membership_reminder'
  | 'refund'
  | 'transfer_reset';
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
  /** email: to_address is a mailbox · whatsapp: to_address is a phone number (62…) sent through the WhatsApp gateway. */
  channel: Generated<'email' | 'whatsapp'>;
}

/** The seller's brand, set in the console (one row, id 1; absent: Gerbang's defaults). */
export interface StoreSettingsTable {
  id: number;
  store_name: string;
  /** "#rrggbb". */
  primary_color: string;
  /** The display name of mail's From ('' : the address alone, as MAIL_FROM says). */
  mail_from_name: string;
  /** Reply-To of every mail ('' : none). */
  reply_to: string;
  /** Contact or footer line under every page and mail ('' : none). */
  footer_text: string;
  /** PNG, JPEG or WebP, base64 (small: at most 200 KB). */
  logo_mime: string | null;
  logo_data: string | null;
  updated_at: number;
}

export interface OneTimeTokensTable {
  id: Generated<number>;
  token_hash: string;
  /** set_password: the registration link · login_link: emailed one-time login · login_takeover: "keep here" after a conflict. */
  purpose: 'set_password' | 'login_link' | 'login_takeover' | 'transfer_reset' | 'email_change';
  member_id: number;
  /** For login_takeover: the device that may confirm it. */
  device_id: number | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** Ended unused: the password changed, the member was logged out everywhere, or new links were sent. */
  revoked_at: number | null;
  /** email_change: the address the link confirms. */
  new_email: Generated<string | null>;
}

export interface DevicesTable {
  id: Generated<number>;
  token_hash: string;
  /** Lowercase hex SHA-256 the login page computed over stable browser properties ('' without JS). */
  fingerprint: string;
  user_agent: string;
  browser: string;
  os: string;
  created_at: number;
  last_seen_at: number;
}

/** takeover: another device chose "keep here" · logout · rotated: the same device logged in again (silent) · replaced: the browser logged into another account (silent) · admin. */
export type RevokeReason =
  | 'takeover'
  | 'logout'
  | 'rotated'
  | 'replaced'
  | 'admin'
  | 'password_changed'
  /** The member ended it from another of their devices ("Perangkat saya"): not a takeover, not counted. */
  | 'ended_by_member'
  | 'email_changed';

export interface SessionsTable {
  id: string;
  secret_hash: string;
  member_id: number;
  device_id: number;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_reason: RevokeReason | null;
  ip: string | null;
}

export interface RealtimeEventsTable {
  id: Generated<number>;
  member_id: number;
  device_id: number | null;
  kind: string;
  data: string;
  created_at: number;
}

export interface RateLimitsTable {
  key: string;
  window_started_at: number;
  count: number;
}

/** Who did it: a signed-in admin, a script with an API token, a shell on the server, Gerbang itself, or a member (a takeover). */
export type AuditActorType = 'admin' | 'api_token' | 'cli' | 'system' | 'member';

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_type: AuditActorType;
  /** Member id of an admin, or api_tokens.id; null for cli and system. */
  actor_id: number | null;
  /** Email of the admin, token name, "cli" or "system": readable even after the actor is gone. */
  actor_label: string;
  /** Dotted, stable: member.force_logout, license.revoke, login.failures_exceeded, session.takeover, … */
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  /** JSON object with what else matters (never secrets). */
  details: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  token_hash: string;
  token_prefix: string;
  created_by: number | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** unknown: stored before the call, Hesda's answer not (yet) known: reconcile, never re-send. */
export type PpobStatus = 'unknown' | 'pending' | 'success' | 'failed';

export interface PpobTransactionsTable {
  id: Generated<number>;
  idempotency_key: string;
  hesda_transaction_id: string | null;
  member_id: number | null;
  product_code: string;
  product_name: string;
  customer_no: string;
  status: PpobStatus;
  sn: string | null;
  message: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** A product rule edited in the operator console (used before PRODUCT_RULES; see src/products/rules.ts). */
export interface ProductRulesTable {
  id: Generated<number>;
  match_uuid: string | null;
  match_title: string | null;
  action: 'member' | 'license';
  max_devices: number;
  validity_days: number | null;
  /** License overflow policy, as `onLimit` in PRODUCT_RULES. */
  on_limit: Generated<'refuse' | 'takeover'>;
  /** As `offlineGraceDays` in PRODUCT_RULES; null: LICENSE_TOKEN_GRACE_DAYS. */
  offline_grace_days: number | null;
  /** A membership's page to buy it again, named in the reminder mails. */
  renew_url: Generated<string | null>;
  created_at: number;
  updated_at: number;
  /** As `takeoverLimit` in PRODUCT_RULES (membership rules); null: TAKEOVER_LIMIT. */
  takeover_limit: Generated<number | null>;
  /** As `maxTransfers` in PRODUCT_RULES (license rules); null: LICENSE_MAX_TRANSFERS. */
  max_transfers: Generated<number | null>;
}

export type PpobTransaction = Selectable<PpobTransactionsTable>;

/** The one-time first-run setup, done once (id is always 1). */
export interface AdminSetupTable {
  id: number;
  member_id: number | null;
  completed_at: number;
}

/** An Ed25519 key that signs license tokens; `private_key` is sealed (src/secret-box.ts). */
export interface LicenseSigningKeysTable {
  id: Generated<number>;
  /** RFC 7638 thumbprint of the public key: the token header's `kid`. */
  kid: string;
  /** The raw 32-byte public key, base64url (the JWK's `x`). */
  public_key: string;
  private_key: string;
  /** 1 on the one key that signs now, null on retired keys (unique). */
  active: number | null;
  created_at: number;
  /** When a newer key took over signing; null for the active key. */
  retired_at: number | null;
  /** A retired key is published until then (its last token's latest possible expiry). */
  published_until: number | null;
}

/** An endpoint of the seller's systems that receives Gerbang's events (Standard Webhooks). */
export interface WebhookEndpointsTable {
  id: Generated<number>;
  url: string;
  description: string;
  /** The `whsec_…` signing secret, sealed (src/secret-box.ts). */
  secret: string;
  /** Comma-separated event types; '' means every event. */
  event_types: string;
  enabled: number;
  created_at: number;
  updated_at: number;
}

/** One event, with the id every delivery of it carries (`webhook-id`). */
export interface WebhookMessagesTable {
  id: Generated<number>;
  webhook_id: string;
  event_type: string;
  /** The exact JSON body sent (signed as is on every attempt). */
  payload: string;
  dedupe_key: string | null;
  created_at: number;
}

export type WebhookDeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';

/** One message to one endpoint: the outbox row the webhook worker claims. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  message_id: number;
  endpoint_id: number;
  status: WebhookDeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: number;
  /** Retries stop WEBHOOK_OUT_RETRY_DAYS after this (the event, or "Kirim ulang"); then `failed`. */
  retry_from: number;
  lease_until: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** One HTTP call of a delivery (the console's delivery log). */
export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  attempted_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
}

/** How far a time-driven event (e.g. `license.expired`) has been announced. */
export interface WebhookSweepsTable {
  name: string;
  swept_until: number;
}

/** Webhook keys kept in the database (src/webhooks/signing-keys.ts); no `expires_at`: the current one. */
export interface WebhookSigningKeysTable {
  id: Generated<number>;
  provider: WebhookProvider;
  secret: string;
  created_at: number;
  expires_at: number | null;
}

/** The sender dashboard's "Test URL" posts, counted per provider (one row each). */
export interface WebhookTestPingsTable {
  provider: WebhookProvider;
  count: number;
  last_at: number;
  last_signed: number;
}

export type WebhookSigningKeyRow = Selectable<WebhookSigningKeysTable>;
export type ProductRuleRow = Selectable<ProductRulesTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type WebhookEvent = Selectable<WebhookEventsTable>;
export type NewWebhookEvent = Insertable<WebhookEventsTable>;
export type Member = Selectable<MembersTable>;
export type NewMember = Insertable<MembersTable>;
export type Order = Selectable<OrdersTable>;
export type OrderItem = Selectable<OrderItemsTable>;
export type License = Selectable<LicensesTable>;
export type NewLicense = Insertable<LicensesTable>;
export type LicenseActivation = Selectable<LicenseActivationsTable>;
export type Device = Selectable<DevicesTable>;
export type Session = Selectable<SessionsTable>;
export type MailRow = Selectable<MailOutboxTable>;
export type MailUpdate = Updateable<MailOutboxTable>;
export type LicenseSigningKey = Selectable<LicenseSigningKeysTable>;
export type WebhookEndpoint = Selectable<WebhookEndpointsTable>;
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;
export type WebhookAttempt = Selectable<WebhookAttemptsTable>;

/** A product's content (src/content/): matched to a license or membership by Lynk uuid or exact title. */
export interface ContentProductsTable {
  id: Generated<number>;
  match_uuid: string | null;
  match_title: string | null;
  /** What buyers see as the product's name. */
  name: string;
  created_at: number;
  updated_at: number;
}

export type ContentItemKind = 'video' | 'file' | 'link' | 'text';

export interface ContentItemsTable {
  id: Generated<number>;
  product_id: number;
  /** Order on the page, ascending (gaps allowed). */
  position: number;
  kind: ContentItemKind;
  title: string;
  /** video: the embed URL framed; link: the target. */
  url: string | null;
  /** video: the URL as the seller typed it. */
  source_url: string | null;
  /** text: Markdown. */
  body: string | null;
  file_id: number | null;
  created_at: number;
  updated_at: number;
}

export interface ContentFilesTable {
  id: Generated<number>;
  name: string;
  mime: string;
  size: number;
  chunk_size: number;
  sha256: string | null;
  /** uploading: chunks still arriving, never served · ready. */
  status: 'uploading' | 'ready';
  created_at: number;
}

export interface ContentFileChunksTable {
  file_id: number;
  seq: number;
  data: Buffer;
}

/** One file item for one holder: a license, or a member (membership content). */
export interface ContentDeliveriesTable {
  id: Generated<number>;
  item_id: number;
  holder_kind: 'license' | 'member';
  holder_id: number;
  /** The PDF stamped for this holder, made on the first download. */
  stamped_file_id: number | null;
  /** Why this holder's PDF goes out unstamped, once decided (too large, unreadable). */
  stamp_note: string | null;
  downloads: Generated<number>;
  last_download_at: number | null;
  created_at: number;
}
export type ContentProduct = Selectable<ContentProductsTable>;
export type ContentItem = Selectable<ContentItemsTable>;
export type ContentFile = Selectable<ContentFilesTable>;

/**
 * What the fair-device limits count and the sharing signals read (src/auth/device-events.ts):
 * takeover · takeover_refused (past the limit) · conflict (the dialog was shown) · login ·
 * release (a license device released by the member or the API) · release_refused ·
 * activation_refused (a license's device limit was hit). `ip_prefix` is /24 or /48, never the address.
 */
export type DeviceEventKind =
  | 'takeover'
  | 'takeover_refused'
  | 'conflict'
  | 'login'
  | 'release'
  | 'release_refused'
  | 'activation_refused';

export interface DeviceEventsTable {
  id: Generated<number>;
  member_id: number | null;
  license_id: number | null;
  kind: DeviceEventKind;
  device_id: number | null;
  ip_prefix: string | null;
  browser: Generated<string>;
  os: Generated<string>;
  at: number;
}

/** unconfirmed (mail sent) · pending (waits for the seller) · approved · rejected. */
export type TransferResetStatus = 'unconfirmed' | 'pending' | 'approved' | 'rejected';

export interface TransferResetRequestsTable {
  id: Generated<number>;
  license_id: number;
  member_id: number;
  status: TransferResetStatus;
  created_at: number;
  confirmed_at: number | null;
  decided_at: number | null;
  /** "otomatis" (monthly policy) or the deciding admin's email. */
  decided_by: string | null;
}
