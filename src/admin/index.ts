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
