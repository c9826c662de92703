export type {
  EmailChangedMailParams,
  EmailChangeMailParams,
  LicenseMailParams,
  LoginLinkMailParams,
  MailParams,
  MembershipReminderMailParams,
  PasswordResetMailParams,
  QueuedMail,
  RefundMailParams,
  RegistrationMailParams,
  TransferResetMailParams,
} from './outbox.js';
export { enqueueMail } from './outbox.js';
export { listMail, OUTBOX_LIST_COLUMNS } from './queries.js';
export type { IssueLink } from './render.js';
export { REDACTED_LINK, TRANSFER_RESET_LINK_TTL_MS } from './render.js';
export {
  emailChangedMailSubject,
  emailChangeMailSubject,
  membershipReminderMailSubject,
  passwordResetMailSubject,
  refundMailSubject,
} from './templates/account.js';
export { formatPaidAt } from './templates/layout.js';
export { licenseMailSubject, renderLicenseMail } from './templates/license.js';
export { loginLinkMailSubject, renderLoginLinkMail } from './templates/login-link.js';
export { registrationMailSubject, renderRegistrationMail } from './templates/registration.js';
export { renderTransferResetMail, transferResetMailSubject } from './templates/transfer-reset.js';
export type {
  MailThreadData,
  MailThreadOptions,
  MailThreadReply,
  MailThreadRequest,
  StartMailThread,
} from './thread.js';
export { forwardingLog, MailThread, startBundledMailThread } from './thread.js';
export type { MailTransport, OutgoingMail } from './transports.js';
export { devTransport, mailTransportFor, smtpTransport } from './transports.js';
export type { WhatsAppTransport } from './whatsapp.js';
export { fonnteTransport, normalizeIndonesianPhone, WHATSAPP_KINDS } from './whatsapp.js';
export type { MailWorkerDeps } from './worker.js';
export { MailWorker, retryDelayMs } from './worker.js';
