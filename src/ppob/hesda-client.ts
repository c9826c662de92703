import { z } from 'zod';
import { HESDA_STATUSES } from './status.js';

/** How Gerbang reaches Hesda's order API (from config.ppob). */
export interface HesdaSettings {
  apiUrl: string;
  apiKey: string | undefined;
  apiKeyHeader: string;
  timeoutMs: number;
  callbackUrl: string;
}

/** The settings from config.ppob, or null when ordering is off (no HESDA_API_URL). */
export function hesdaSettings(
  ppob: Omit<HesdaSettings, 'apiUrl'> & { apiUrl: string | undefined },
): HesdaSettings | null {
  return ppob.apiUrl ? { ...ppob, apiUrl: ppob.apiUrl } : null;
}

export interface HesdaOrderRequest {
  productCode: string;
  customerNo: string;
  /** Ours, sent as Idempotency-Key: a Hesda that honours it cannot order twice either. */
  idempotencyKey: string;
}

/**
 * accepted: Hesda gave a transaction id. rejected: Hesda answered and said no (4xx, or
 * `status: "error"`): nothing was ordered. unknown: we cannot tell (timeout, network, 5xx,
 * an answer we cannot read): the order may exist at Hesda, so it must be reconciled, not re-sent.
 */
export type HesdaOrderResult =
  | {
      kind: 'accepted';
      transactionId: string;
      productName: string;
      status: (typeof HESDA_STATUSES)[number];
      message: string;
    }
  | { kind: 'rejected'; httpStatus: number; message: string }
  | { kind: 'unknown'; reason: 'timeout' | 'network' | 'server_error' | 'malformed'; detail: string };

const text = z.union([z.string(), z.number()]).transform(String);

/** `{status, message, data: {transaction_id, product_code, product_name, status: "pending", message}}`, Hesda's order answer. */
const orderAnswerSchema = z.object({
  status: z.union([z.string(), z.boolean()]).optional(),
  message: text.optional(),
  data: z
    .object({
      transaction_id: text.pipe(z.string().trim().min(1).max(200)),
      product_name: text.optional(),
      status: z.enum(HESDA_STATUSES).default('pending'),
      message: text.optional(),
    })
    .loose(),
});

const refusalSchema = z.object({ status: z.unknown().optional(), message: text.optional() }).loose();

function authHeaders(settings: HesdaSettings): Record<string, string> {
  if (!settings.apiKey) return {};
  return settings.apiKeyHeader.toLowerCase() === 'authorization'
    ? { authorization: `Bearer ${settings.apiKey}` }
    : { [settings.apiKeyHeader]: settings.apiKey };
}

const isRefusal = (status: unknown) => status === false || status === 'error' || status === 'failed';

/** POST {HESDA_API_URL}/order. Never throws for Hesda's behaviour: every outcome is a value. */
export async function placeHesdaOrder(settings: HesdaSettings, order: HesdaOrderRequest): Promise<HesdaOrderResult> {
  let response: Response;
  let body: string;
  try {
    response = await fetch(`${settings.apiUrl}/order`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'idempotency-key': order.idempotencyKey,
        ...authHeaders(settings),
      },
      body: JSON.stringify({
        product_code: order.productCode,
        customer_no: order.customerNo,
        callback_url: settings.callbackUrl,
      }),
      // One deadline for connect, answer and body: a slow body is as unknown as no answer.
      signal: AbortSignal.timeout(settings.timeoutMs),
      redirect: 'error',
    });
    body = await response.text();
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError' || name === 'AbortError')
      return { kind: 'unknown', reason: 'timeout', detail: `tidak ada jawaban dalam ${settings.timeoutMs} ms` };
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return { kind: 'unknown', reason: 'network', detail: cause.slice(0, 300) };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  if (response.status >= 500 || response.status === 408)
    return { kind: 'unknown', reason: 'server_error', detail: `HTTP ${response.status}: ${body.slice(0, 200)}` };
  if (response.status >= 400) {
    const refusal = refusalSchema.safeParse(json);
    const message = (refusal.success && refusal.data.message) || `HTTP ${response.status}`;
    return { kind: 'rejected', httpStatus: response.status, message: message.slice(0, 500) };
  }
  if (response.status < 200 || response.status >= 300)
    return { kind: 'unknown', reason: 'malformed', detail: `HTTP ${response.status}` };
  const answer = orderAnswerSchema.safeParse(json);
  if (answer.success) {
    const data = answer.data.data;
    return {
      kind: 'accepted',
      transactionId: data.transaction_id,
      productName: (data.product_name ?? '').slice(0, 200),
      status: data.status,
      message: (data.message ?? answer.data.message ?? '').slice(0, 500),
    };
  }
  // A 2xx that plainly says "error" without a transaction is a refusal; anything else unreadable is unknown.
  const refusal = refusalSchema.safeParse(json);
  if (refusal.success && isRefusal(refusal.data.status))
    return {
      kind: 'rejected',
      httpStatus: response.status,
      message: (refusal.data.message ?? 'ditolak').slice(0, 500),
    };
  return { kind: 'unknown', reason: 'malformed', detail: `jawaban tidak terbaca: ${body.slice(0, 200)}` };
}
