import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { LoginLinkMailParams, MailParams, RegistrationMailParams, TransferResetMailParams } from './outbox.js';
import {
  renderEmailChangedMail,
  renderEmailChangeMail,
  renderMembershipReminderMail,
  renderPasswordResetMail,
  renderRefundMail,
} from './templates/account.js';
import type { RenderedMail } from './templates/layout.js';
import { renderLicenseMail } from './templates/license.js';
import { renderLoginLinkMail } from './templates/login-link.js';
import { renderRegistrationMail } from './templates/registration.js';
import { renderTransferResetMail } from './templates/transfer-reset.js';

export interface RenderedForSending {
  /** What goes to the recipient. */
  send: RenderedMail;
  /** What the outbox keeps: one-time links blanked out, unless the outbox is the dev mailbox. */
  keep: RenderedMail;
}

/**
 * Mints a one-time link token for a member, on the worker's handle (inside its transaction where
 * it has one). Handed in by whoever builds the worker: the accounts layer owns the tokens, and mail
 * sits beside it without importing it.
 */
export type IssueLink = (
  db: Kysely<Database>,
  request: {
    memberId: number;
    purpose: 'set_password' | 'login_link' | 'transfer_reset' | 'email_change';
    ttlMs: number;
    /** email_change: the address the link confirms. */
    newEmail?: string;
  },
) => Promise<string>;

/** How long a reset confirmation link stays valid. */
export const TRANSFER_RESET_LINK_TTL_MS = 24 * 3_600_000; // 24 hours

/** A link to choose a new password or confirm a new address: long enough to find the mail, short. */
export const ACCOUNT_LINK_TTL_MS = 60 * 60_000; // 1 hour

export const REDACTED_LINK = '[tautan sekali pakai disembunyikan]';

/**
 * Renders at send time, not at queue time: one-time tokens are created only now, so no live token
 * sits in the outbox while the mail waits (and a failed attempt's token simply expires).
 */
export async function renderForSending(
  db: Kysely<Database>,
  deps: { config: Config; issueLink: IssueLink },
  params: MailParams,
  keepSecrets: boolean,
): Promise<RenderedForSending> {
  const { config } = deps;
  const same = (mail: RenderedMail): RenderedForSending => ({ send: mail, keep: mail });
  switch (params.kind) {
    case 'license':
      return same(renderLicenseMail(params, { url: `${config.publicUrl}/login/tautan` }));
    case 'email_changed':
      return same(renderEmailChangedMail(params));
    case 'membership_reminder':
      return same(renderMembershipReminderMail(params, config.displayTimeZone));
    case 'refund':
      return same(renderRefundMail(params));
    case 'password_reset':
    case 'email_change': {
      const minutes = Math.round(ACCOUNT_LINK_TTL_MS / 60_000);
      const request =
        params.kind === 'password_reset'
          ? { memberId: params.memberId, purpose: 'set_password' as const, ttlMs: ACCOUNT_LINK_TTL_MS }
          : {
              memberId: params.memberId,
              purpose: 'email_change' as const,
              ttlMs: ACCOUNT_LINK_TTL_MS,
              newEmail: params.newEmail,
            };
      const path = params.kind === 'password_reset' ? '/akun/atur-sandi' : '/akun/email/konfirmasi';
      const url = `${config.publicUrl}${path}?token=${await deps.issueLink(db, request)}`;
      const draw = (link: string) =>
        params.kind === 'password_reset'
          ? renderPasswordResetMail(params, { url: link, validMinutes: minutes })
          : renderEmailChangeMail(params, { url: link, validMinutes: minutes });
      return { send: draw(url), keep: keepSecrets ? draw(url) : draw(REDACTED_LINK) };
    }
    default:
      return renderMemberLinks(db, deps, params, keepSecrets);
  }
}

/** Registration and login-link mails: links minted now, for the member the mail is about. */
async function renderMemberLinks(
  db: Kysely<Database>,
  deps: { config: Config; issueLink: IssueLink },
  params: RegistrationMailParams | LoginLinkMailParams | TransferResetMailParams,
  keepSecrets: boolean,
): Promise<RenderedForSending> {
  const { config } = deps;
  const base = config.publicUrl;
  const issue = (purpose: 'set_password' | 'login_link' | 'transfer_reset', ttlMs: number) =>
    deps.issueLink(db, { memberId: params.memberId, purpose, ttlMs });
  if (params.kind === 'transfer_reset') {
    const hours = Math.round(TRANSFER_RESET_LINK_TTL_MS / 3_600_000);
    const url = `${base}/reset-pelepasan?token=${await issue('transfer_reset', TRANSFER_RESET_LINK_TTL_MS)}`;
    const send = renderTransferResetMail(params, { url, validHours: hours });
    const keep = keepSecrets ? send : renderTransferResetMail(params, { url: REDACTED_LINK, validHours: hours });
    return { send, keep };
  }
  const loginLinkMinutes = Math.round(config.auth.loginLinkTtlMs / 60_000);
  const loginLinkUrl = `${base}/login/tautan?token=${await issue('login_link', config.auth.loginLinkTtlMs)}`;

  if (params.kind === 'login_link') {
    const send = renderLoginLinkMail(params, { url: loginLinkUrl, validMinutes: loginLinkMinutes });
    const keep = keepSecrets
      ? send
      : renderLoginLinkMail(params, { url: REDACTED_LINK, validMinutes: loginLinkMinutes });
    return { send, keep };
  }
  const setPasswordUrl = `${base}/akun/atur-sandi?token=${await issue('set_password', config.setPasswordLinkTtlMs)}`;
  const links = {
    validHours: Math.round(config.setPasswordLinkTtlMs / 3_600_000),
    loginUrl: `${base}/login`,
    loginLinkMinutes,
  };
  const send = renderRegistrationMail(params, { ...links, setPasswordUrl, loginLinkUrl }, config.displayTimeZone);
  const keep = keepSecrets
    ? send
    : renderRegistrationMail(
        params,
        { ...links, setPasswordUrl: REDACTED_LINK, loginLinkUrl: REDACTED_LINK },
        config.displayTimeZone,
      );
  return { send, keep };
}
