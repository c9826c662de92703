export type { AdminConsoleOptions } from './console.js';
export { adminConsoleRoutes } from './console.js';
export { adminActor, adminGuard } from './guard.js';
export { listAuditPage, listEvents, listOutbox, searchMembers } from './lists.js';
export { loadOverview, startOfDay } from './overview.js';
export type { CreateAdminResult } from './setup.js';
export { createAdmin, setupPending } from './setup.js';
export { firstRunRedirect, setupRoutes } from './setup-routes.js';
