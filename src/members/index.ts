export type { NewMemberInput } from './accounts.js';
export { createMemberIfAbsent, findMemberByEmail, listMembers, setMemberPassword } from './accounts.js';
export {
  consumeSetPasswordToken,
  hashToken,
  issueSetPasswordToken,
  peekSetPasswordToken,
} from './one-time-links.js';
export { checkNewPassword, hashPassword, randomPassword, verifyPassword } from './passwords.js';
