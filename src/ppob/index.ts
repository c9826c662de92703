import type { HesdaSettings } from './hesda-client.js';

export type { HesdaOrderRequest, HesdaOrderResult, HesdaSettings } from './hesda-client.js';
export { placeHesdaOrder } from './hesda-client.js';
export type { HesdaUpdate } from './hesda-payload.js';
export { HESDA_UPDATE_EVENT, hesdaDeliveryId, hesdaUpdateSchema } from './hesda-payload.js';
export type { PpobMemberPageOptions } from './member-page.js';
export { ppobMemberRoutes, transactionRow } from './member-page.js';
export type { PpobDeps, PpobOrderInput, PpobOrderResult } from './orders.js';
export { placePpobOrder, publish } from './orders.js';
export { UNKNOWN_TRANSACTION } from './reconcile.js';
export { customerNo, idempotencyKey, ppobAdminRoutes, productCode, transactionJson } from './routes.js';
export type { HesdaStatus, PpobStatus } from './status.js';
export { HESDA_STATUSES, nextPpobStatus, PPOB_STATUS_LABELS, PPOB_STATUSES, ppobStatusLabel } from './status.js';
export type { PpobListFilter, TransactionUpdatedData } from './transactions.js';
export { findPpobByHesdaId, listPpobTransactions, transactionUpdatedData } from './transactions.js';
export type { HesdaUpdateOutcome } from './webhook-update.js';
export { applyHesdaUpdate } from './webhook-update.js';

/** The Hesda settings from config, or null when ordering is off (no HESDA_API_URL). */
export function hesdaSettings(ppob: {
  apiUrl: string | undefined;
  apiKey: string | undefined;
  apiKeyHeader: string;
  timeoutMs: number;
  callbackUrl: string;
}): HesdaSettings | null {
  if (!ppob.apiUrl) return null;
  return { ...ppob, apiUrl: ppob.apiUrl };
}
