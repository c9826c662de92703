export { getDelivery, listDeliveries } from './events-store.js';
export type { LynkDeps } from './lynk/process.js';
export { receiveLynkDelivery, replayLynkEvent } from './lynk/receive.js';
export { lynkWebhookRoutes, WEBHOOK_BODY_LIMIT } from './lynk/routes.js';
export type { SamplePaymentInput } from './lynk/sample-payment.js';
export { buildLynkPayment, signLynkPayment } from './lynk/sample-payment.js';
export { computeLynkSignature, verifyLynkSignature } from './lynk/signature.js';
