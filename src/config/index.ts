export type { Config, ConfigResult, DatabaseConfig, MailTransportKind, PreviousKey } from './load.js';
export { loadConfig, readEnvironment } from './load.js';
export type { Env, ProductRule } from './schema.js';
export { MAX_OFFLINE_GRACE_DAYS } from './schema.js';
export { devSecretsPath } from './secrets.js';
export { smtpUrlProblem } from './smtp-url.js';
export type { TrustProxy } from './trust-proxy.js';
export { clientAddress, fastifyTrustProxy, plainAddress, trustedProxyPeer } from './trust-proxy.js';
