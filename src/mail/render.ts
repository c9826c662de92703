import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { MailParams } from './outbox.js';
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
    purpose: 'set_password' | 'login_link' | 'transfer_reset';
    ttlMs: number;
  },
) => Promise<string>;

/** How long a reset confirmation link stays valid. */
export const TRANSFER_RESET_LINK_TTL_MS = 24 * 3_600_000; // 24 hours

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
  if (params.kind === 'license') {
    const mail = renderLicenseMail(params);
    return { send: mail, keep: mail };
  }
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
  const send = renderRegistrationMail(params, { ...links, setPasswordUrl, loginLinkUrl });
  const keep = keepSecrets
    ? send
    : renderRegistrationMail(params, { ...links, setPasswordUrl: REDACTED_LINK, loginLinkUrl: REDACTED_LINK });
  return { send, keep };
}
