export { claimDueDeliveries } from './claim.js';
export { deliveryDetail, listEndpointDeliveries, resendDelivery } from './deliveries.js';
export type { EndpointContext, EndpointInput } from './endpoints.js';
export {
  createEndpoint,
  endpointSecret,
  findEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  setEndpointEnabled,
} from './endpoints.js';
export type { WebhookEventInput, WebhookEventType } from './events.js';
export { isoTime, isWebhookEventType, TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES } from './events.js';
export type { QueueContext } from './outbox.js';
export { queueTestEvent, queueWebhookEvents } from './outbox.js';
export type { SendResult, WebhookSender } from './sender.js';
export { postWebhook } from './sender.js';
export { newEndpointSecret, signWebhook, verifyWebhook } from './signature.js';
export type { WebhookSweep } from './sweeps.js';
export type { WebhookWorkerDeps } from './worker.js';
export { WebhookWorker, webhookRetryDelayMs } from './worker.js';
