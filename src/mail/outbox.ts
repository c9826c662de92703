import type { Kysely } from 'kysely';
import type { Database, MailKind } from '../db/index.js';
import { executeCompiledOnce } from '../db/index.js';
import { WHATSAPP_KINDS } from './whatsapp.js';

export interface LicenseMailParams {
  kind: 'license';
  orderNo: string;
  transactionNo: string;
  name: string;
  email: string;
  paidAt: string;
  items: { title: string; keys: string[] }[];
}

/** Where a buyer finds their keys later ("Lisensi saya"), added to the license mail at send time. */
export interface LicensePageLink {
  url: string;
}

export interface RegistrationMailParams {
  kind: 'registration';
  memberId: number;
  orderNo: string;
  name: string;
  email: string;
  passwordPolicy: 'random' | 'phone';
  /**
   * The buyer was a member already (a renewal, or someone else registered this address first):
   * the mail tells the mailbox about the purchase and how to get in, with fresh links.
   */
  repeatPurchase?: boolean;
  /** The membership's end after this purchase (null: lifetime; absent: the mail predates memberships that end). */
  membershipEndsAt?: number | null;
}

/** A one-time login link the member asked for on the login page. */
export interface LoginLinkMailParams {
  kind: 'login_link';
  memberId: number;
  name: string;
  email: string;
  /** An admin's link: the page behind it still asks for the admin password. */
  asksPassword?: boolean;
}

/** The confirmation of a member's request to reset a license's release count (a one-time link). */
export interface TransferResetMailParams {
  kind: 'transfer_reset';
  memberId: number;
  name: string;
  email: string;
  licenseKey: string;
  productTitle: string;
}

/** "Lupa kata sandi?": a one-time link to choose a new password. */
export interface PasswordResetMailParams {
  kind: 'password_reset';
  memberId: number;
  name: string;
  email: string;
}

/** To the new address: the link that confirms it (the token carries the address). */
export interface EmailChangeMailParams {
  kind: 'email_change';
  memberId: number;
  name: string;
  oldEmail: string;
  newEmail: string;
}

/** What happened to an account's email: asked for (told to the old address) or done. */
export interface EmailChangedMailParams {
  kind: 'email_changed';
  name: string;
  oldEmail: string;
  newEmail: string;
  stage: 'requested' | 'changed';
  byAdmin?: boolean;
}

/** 7 days and 1 day before a membership ends. */
export interface MembershipReminderMailParams {
  kind: 'membership_reminder';
  name: string;
  email: string;
  productTitle: string;
  endsAt: number;
  daysLeft: number;
  renewUrl: string | null;
}

/** The seller refunded an order: what it granted no longer works. */
export interface RefundMailParams {
  kind: 'refund';
  name: string;
  email: string;
  orderNo: string;
  reason: string;
  licenseKeys: string[];
  /** Membership time taken back: days, lifetime, or none in this order. */
  membership: number | 'lifetime' | null;
}

export type MailParams =
  | LicenseMailParams
  | RegistrationMailParams
  | LoginLinkMailParams
  | PasswordResetMailParams
  | EmailChangeMailParams
  | EmailChangedMailParams
  | MembershipReminderMailParams
  | RefundMailParams
  | TransferResetMailParams;

export interface QueuedMail {
  /** One mail per reason: the same key queued twice stays one mail ("never sent twice"). */
  dedupeKey: string;
  to: string;
  subject: string;
  params: MailParams;
  /** The buyer's phone, "62…": the message also goes out by WhatsApp when its kind opts in (whatsapp.ts). */
  whatsappTo?: string | null | undefined;
}

/**
 * Writes a mail into the outbox, inside the caller's transaction, so the mail exists exactly when
 * the license or member it announces does. The worker renders and sends it later.
 */
export async function enqueueMail(db: Kysely<Database>, mail: QueuedMail, now: number): Promise<void> {
  const row = {
    dedupe_key: mail.dedupeKey,
    kind: mail.params.kind satisfies MailKind,
    to_address: mail.to,
    subject: mail.subject,
    params: JSON.stringify(mail.params),
    status: 'pending' as const,
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
  };
  await executeCompiledOnce(db, 'enqueue mail', Object.values(row), () =>
    db
      .insertInto('mail_outbox')
      .values(row)
      .onConflict((oc) => oc.column('dedupe_key').doNothing()),
  );
  if (mail.whatsappTo && WHATSAPP_KINDS.has(mail.params.kind)) {
    await db
      .insertInto('mail_outbox')
      .values({ ...row, dedupe_key: `wa:${mail.dedupeKey}`, to_address: mail.whatsappTo, channel: 'whatsapp' })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
  }
}
