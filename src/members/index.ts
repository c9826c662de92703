export type { NewMemberInput } from './accounts.js';
export { createMemberIfAbsent, findMemberByEmail, listMembers, setMemberPassword } from './accounts.js';
export { signedIn } from './area.js';
export { memberPage } from './member-layout.js';
export type { TokenOwner, TokenPurpose } from './one-time-links.js';
export {
  consumeOneTimeToken,
  consumeSetPasswordToken,
  hashToken,
  issueOneTimeToken,
  issueSetPasswordToken,
  peekOneTimeToken,
  peekSetPasswordToken,
} from './one-time-links.js';
export { checkNewPassword, hashPassword, randomPassword, verifyPassword } from './passwords.js';
export { memberCreatedEvent } from './webhook-events.js';
