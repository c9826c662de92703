export type { AccountRouteOptions } from './account.js';
export { accountRoutes } from './account.js';
export type { MemberAreaOptions } from './area.js';
export { memberAreaRoutes } from './area.js';
export type { MemberRouteOptions } from './set-password.js';
export { memberRoutes } from './set-password.js';
export { transferResetRoutes } from './transfer-reset-page.js';
