import type { Kysely } from 'kysely';
import type { Runtime } from '../clock.js';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { issueSetPasswordToken } from '../members/index.js';
import type { MailParams } from './outbox.js';
import type { RenderedMail } from './templates/layout.js';
import { renderLicenseMail } from './templates/license.js';
import { renderRegistrationMail } from './templates/registration.js';

export interface RenderedForSending {
  /** What goes to the recipient. */
  send: RenderedMail;
  /** What the outbox keeps: one-time links blanked out, unless the outbox is the dev mailbox. */
  keep: RenderedMail;
}

export const REDACTED_LINK = '[tautan sekali pakai disembunyikan]';

/**
 * Renders at send time, not at queue time: the set-password token is created only now, so no live
 * token sits in the outbox while the mail waits (and a failed attempt's token simply expires).
 */
export async function renderForSending(
  db: Kysely<Database>,
  deps: { config: Config; runtime: Runtime },
  params: MailParams,
  keepSecrets: boolean,
): Promise<RenderedForSending> {
  if (params.kind === 'license') {
    const mail = renderLicenseMail(params);
    return { send: mail, keep: mail };
  }
  const { token } = await issueSetPasswordToken(db, {
    memberId: params.memberId,
    now: deps.runtime.now(),
    ttlMs: deps.config.setPasswordLinkTtlMs,
    randomBytes: deps.runtime.randomBytes,
  });
  const base = deps.config.publicUrl;
  const links = {
    validHours: Math.round(deps.config.setPasswordLinkTtlMs / 3_600_000),
    loginUrl: `${base}/login`,
  };
  const send = renderRegistrationMail(params, { ...links, setPasswordUrl: `${base}/akun/atur-sandi?token=${token}` });
  const keep = keepSecrets ? send : renderRegistrationMail(params, { ...links, setPasswordUrl: REDACTED_LINK });
  return { send, keep };
}
