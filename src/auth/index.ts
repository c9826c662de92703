export { describeUserAgent } from '../shared/user-agent.js';
export type { CreatedApiToken } from './api-tokens.js';
export {
  API_TOKEN_PREFIX,
  apiTokenActor,
  createApiToken,
  listApiTokens,
  requireApiToken,
  revokeApiToken,
  verifyApiToken,
} from './api-tokens.js';
export type { ChangePasswordResult, CurrentPasswordCheck } from './change-password.js';
export { changePassword, checkCurrentPassword } from './change-password.js';
export type { AuthCookies } from './cookies.js';
export { authCookies } from './cookies.js';
export type { Allowance, DeviceEventInput, MemberTakeoverLimits, WindowLimit } from './device-events.js';
export {
  allowanceFrom,
  countedEventTimes,
  countingSince,
  ipPrefix,
  memberTakeoverLimits,
  recordDeviceEvent,
  takeoverAllowance,
} from './device-events.js';
export type { GuardDeps } from './guard.js';
export { authenticateStream, memberGuard, signedIn } from './guard.js';
export type { AuthDeps, LoginContext, LoginResult, SessionEndAudit } from './login.js';
export { confirmTakeover, endMemberSessions, loginWithPassword, logout } from './login.js';
export type { LinkLoginResult } from './login-links.js';
export { loginWithLink } from './login-links.js';
export { newPasswordRoutes } from './new-password.js';
export { oldLoginRoutes } from './old-login.js';
export type { MemberDevice } from './own-devices.js';
export { endOwnDeviceSession, memberDevices } from './own-devices.js';
export { invalidLinkPage, LOGIN_LINK, PASSWORD_LINK } from './pages.js';
export { newPasswordFields } from './password-fields.js';
export { consumeRateLimit } from './rate-limit.js';
export { loginPath, safeReturnPath } from './return-path.js';
export { authRoutes } from './routes.js';
export type { AuthSettings, LiveDevice, LiveSession, SessionCheck } from './sessions.js';
export { checkSession, createSession, liveDevices, revokeDeviceSessions } from './sessions.js';
export type { SignIn } from './sign-in.js';
export { sessionStarter } from './sign-in.js';
