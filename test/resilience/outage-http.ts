import { signHesdaWebhook, signLynkPayment } from '../../src/webhooks/index.js';
import { HESDA_SECRET, update } from '../helpers/hesda.js';
import { MERCHANT_KEY } from '../helpers/world.js';

/** What an outage test needs to know of each answer: status, body, and how long it took. */
export interface TimedAnswer {
  status: number;
  type: string;
  body: string;
  json: unknown;
  ms: number;
}

/** A request over real HTTP, bounded: an answer that hangs past `timeoutMs` fails the test. */
export async function timedFetch(url: string, init: RequestInit = {}, timeoutMs = 15_000): Promise<TimedAnswer> {
  const started = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const body = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(body);
  } catch {
    json = null;
  }
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body,
    json,
    ms: performance.now() - started,
  };
}

/** A signed transaction.update for `transactionId`, POSTed to a server as Hesda sends it. */
export function postHesdaTo(baseUrl: string, transactionId: string, status = 'success'): Promise<TimedAnswer> {
  const signed = signHesdaWebhook(update(transactionId, status), HESDA_SECRET);
  return timedFetch(`${baseUrl}/webhooks/ppob`, { method: 'POST', headers: signed.headers, body: signed.body });
}

/** A Lynk delivery signed with the test merchant key, timed (an outage must not make it hang). */
export function postLynkTimed(baseUrl: string, payment: object): Promise<TimedAnswer> {
  const signed = signLynkPayment(payment, MERCHANT_KEY);
  return timedFetch(`${baseUrl}/webhook/lynk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-lynk-signature': signed.signature },
    body: signed.body,
  });
}

/** The JSON error code of an answer, or what came instead (for a readable failure). */
export function errorCode(answer: TimedAnswer): string {
  const code = (answer.json as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : `no JSON error: ${answer.status} ${answer.body.slice(0, 200)}`;
}
