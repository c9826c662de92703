import { computeHesdaSignature } from './signature.js';

/** A signed `transaction.update` as Hesda sends it (seed 003): for the fake Hesda in tests and for operators' checks. */
export interface SignedHesdaWebhook {
  body: string;
  headers: { 'content-type': string; 'x-hesda-event': string; 'x-hesda-signature': string };
}

export function signHesdaWebhook(
  payload: object | string,
  secretKey: string,
  event = 'transaction.update',
): SignedHesdaWebhook {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-hesda-event': event,
      'x-hesda-signature': computeHesdaSignature(body, secretKey),
    },
  };
}
