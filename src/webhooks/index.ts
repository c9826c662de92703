export { DELIVERY_LIST_COLUMNS, getDelivery, listDeliveries } from './events-store.js';
export type { HesdaDelivery } from './hesda/checks.js';
export type { HesdaReceipt, HesdaWebhookDeps } from './hesda/receive.js';
export { receiveHesdaDelivery } from './hesda/receive.js';
export { hesdaWebhookRoutes } from './hesda/routes.js';
export type { SignedHesdaWebhook } from './hesda/sample.js';
export { signHesdaWebhook } from './hesda/sample.js';
export { computeHesdaSignature, matchHesdaSignature, verifyHesdaSignature } from './hesda/signature.js';
export type { EnvKeys, WebhookKeyring } from './keyring.js';
export { databaseKeyring, keysFromRows, staticKeyring, webhookEnvKeys } from './keyring.js';
export type { LynkDeps } from './lynk/process.js';
export { receiveLynkDelivery, replayLynkEvent } from './lynk/receive.js';
export { lynkWebhookRoutes, WEBHOOK_BODY_LIMIT } from './lynk/routes.js';
export type { SamplePaymentInput } from './lynk/sample-payment.js';
export { buildLynkPayment, signLynkPayment } from './lynk/sample-payment.js';
export {
  computeLynkSignature,
  lynkSignatureDigest,
  matchLynkSignature,
  verifyLynkSignature,
} from './lynk/signature.js';
export type { RefusalDecision } from './refused-deliveries.js';
export { OTHER_IPS, pruneRejectedDeliveries, REJECTED_BODY_LIMIT, RefusedDeliveries } from './refused-deliveries.js';
export type { SigningKeyListing } from './signing-key-store.js';
export {
  addSigningKey,
  currentSigningKey,
  keyFingerprint,
  listSigningKeys,
  retireSigningKey,
} from './signing-key-store.js';
export type { KeyMatch, SigningKeys } from './signing-keys.js';
export { matchSigningKey, PreviousKeyUse } from './signing-keys.js';
export type { TestPing } from './test-pings.js';
export { lastTestPing, TestPings } from './test-pings.js';
