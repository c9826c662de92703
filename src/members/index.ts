export type { NewMemberInput } from './accounts.js';
export {
  createMemberIfAbsent,
  findMemberByEmail,
  listMembers,
  markEmailProven,
  requirePasswordChange,
  setMemberPassword,
} from './accounts.js';
export type { CanonicalEmail } from './email-address.js';
export { canonicalEmail, EMAIL_CHARACTERS_REFUSED, emailInput, emailProblem } from './email-address.js';
export type { TokenOwner, TokenPurpose } from './one-time-links.js';
export {
  consumeOneTimeToken,
  consumeSetPasswordToken,
  hashToken,
  issueOneTimeToken,
  issueSetPasswordToken,
  linkIssuer,
  peekOneTimeToken,
  peekSetPasswordToken,
  revokeMemberLinks,
  revokeOneTimeToken,
} from './one-time-links.js';
export { checkNewPassword, hashPassword, randomPassword, verifyPassword } from './passwords.js';
export { memberCreatedEvent } from './webhook-events.js';
