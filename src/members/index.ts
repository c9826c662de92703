export type { EmailChangeResult, NewMemberInput } from './accounts.js';
export {
  changeMemberEmail,
  createMemberIfAbsent,
  findMemberByEmail,
  listMembers,
  markEmailProven,
  requirePasswordChange,
  setMemberPassword,
} from './accounts.js';
export type { CanonicalEmail } from './email-address.js';
export { canonicalEmail, EMAIL_CHARACTERS_REFUSED, emailInput, emailProblem } from './email-address.js';
export type { MembershipState, NewGrant } from './membership.js';
export {
  foldGrants,
  grantMembership,
  memberMembership,
  membersEndingBetween,
  membershipState,
  recomputeMembership,
  renewUrlOf,
  revokeOrderMembership,
} from './membership.js';
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
export {
  checkNewPassword,
  hashPassword,
  LOGIN_HASH_QUEUE_PER_SLOT,
  MIN_PASSWORD_LENGTH,
  NO_PASSWORD,
  passwordHashing,
  randomPassword,
  verifyPassword,
} from './passwords.js';
export { memberCreatedEvent } from './webhook-events.js';
