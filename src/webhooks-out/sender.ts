/** What one HTTP call of a delivery came to, for the delivery log. */
export interface SendResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  /** The start of the receiver's answer (what a seller debugging their endpoint wants to see). */
  excerpt: string | null;
  durationMs: number;
}

export type WebhookSender = (request: {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}) => Promise<SendResult>;

const EXCERPT_BYTES = 1024;

/**
 * POSTs one delivery. Only a 2xx counts as delivered; a redirect is not followed (a signed event
 * must not be re-sent to wherever a Location points) and counts as a failure like any other
 * status. The whole call, answer included, ends at `timeoutMs`.
 */
export const postWebhook: WebhookSender = async ({ url, headers, body, timeoutMs }) => {
  const started = performance.now();
  const duration = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const excerpt = await readExcerpt(response);
    const ok = response.status >= 200 && response.status < 300;
    return {
      ok,
      status: response.status,
      error: ok ? null : `HTTP ${response.status}`,
      excerpt,
      durationMs: duration(),
    };
  } catch (error) {
    return { ok: false, status: null, error: describeFailure(error), excerpt: null, durationMs: duration() };
  }
};

async function readExcerpt(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short still leaves the status, which decided the outcome.
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
  return text === '' ? null : text;
}

/** `ECONNREFUSED`, `timeout`, …: the cause's code when fetch wraps it ("fetch failed" says nothing). */
function describeFailure(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'batas waktu habis';
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message.slice(0, 200);
  return error instanceof Error ? error.message.slice(0, 200) : String(error).slice(0, 200);
}
