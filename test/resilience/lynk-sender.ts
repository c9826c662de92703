import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

/**
 * A fake Lynk.id that behaves like the real one where it matters: each delivery is POSTed, signed,
 * over real HTTP, and re-sent until it is answered 200 — after a refused or reset connection, a
 * timeout, a 5xx, or any other status. Only the pace is compressed (Lynk waits minutes).
 */

export interface LynkDelivery {
  /** Lynk's message_id: the delivery's identity, shared by its re-sends. */
  id: string;
  body: string;
  signature: string;
}

const receiptSchema = z.object({
  status: z.literal('success'),
  event_id: z.number().int().positive(),
  outcome: z.string(),
  duplicate: z.boolean(),
});
export type LynkReceiptBody = z.infer<typeof receiptSchema>;

export interface SenderFigures {
  attempts: number;
  /** Answered 200 with Gerbang's receipt. */
  ok: number;
  refused: number;
  /** Reset or closed mid-request: the process died under it. */
  reset: number;
  timedOut: number;
  serverErrors: number;
  /** Any other status (a 4xx would be a valid delivery turned away). */
  otherStatus: Map<number, number>;
}

export interface SenderOptions {
  /** Where Gerbang listens now (read before each attempt, so a moved server is followed). */
  target: () => string;
  concurrency: number;
  attemptTimeoutMs: number;
  /** Wall-clock time after which the sender gives up and reports what is still unanswered. */
  deadline: number;
  random: () => number;
  /** Told after each 200, with how many queue entries are answered so far. */
  onAnswered?: (answered: number) => void;
  signal?: AbortSignal;
}

export interface SenderResult {
  figures: SenderFigures;
  /** The 200 receipts per queue entry (each entry gets exactly one: the one that ended its retries). */
  receipts: LynkReceiptBody[];
}

type Attempt =
  | { kind: 'ok'; receipt: LynkReceiptBody }
  | { kind: 'refused' | 'reset' | 'timedOut' }
  | { kind: 'status'; status: number };

export async function sendLikeLynk(queue: readonly LynkDelivery[], options: SenderOptions): Promise<SenderResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const figures: SenderFigures = {
    attempts: 0,
    ok: 0,
    refused: 0,
    reset: 0,
    timedOut: 0,
    serverErrors: 0,
    otherStatus: new Map(),
  };
  const receipts: LynkReceiptBody[] = new Array(queue.length);
  let next = 0;
  let answered = 0;
  const lane = async () => {
    for (let index = next++; index < queue.length; index = next++) {
      const delivery = queue[index] as LynkDelivery;
      for (let failures = 0; ; failures++) {
        if (Date.now() > options.deadline || options.signal?.aborted) return;
        figures.attempts += 1;
        const attempt = await post(agent, options.target(), delivery, options.attemptTimeoutMs);
        if (attempt.kind === 'ok') {
          figures.ok += 1;
          receipts[index] = attempt.receipt;
          answered += 1;
          options.onAnswered?.(answered);
          break;
        }
        if (attempt.kind === 'status') {
          if (attempt.status >= 500) figures.serverErrors += 1;
          else figures.otherStatus.set(attempt.status, (figures.otherStatus.get(attempt.status) ?? 0) + 1);
        } else figures[attempt.kind] += 1;
        // Back off 25 ms doubling to 1 s, with jitter, as a retrying sender should.
        await sleep(Math.min(1000, 25 * 2 ** failures) * (0.5 + options.random()));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, lane));
  } finally {
    agent.destroy();
  }
  const missing = queue.length - answered;
  if (missing > 0)
    throw new Error(
      `the sender gave up: ${missing} of ${queue.length} deliveries never got a 200 ` +
        `(${options.signal?.aborted ? 'aborted' : 'deadline passed'}; ${describeFigures(figures)})`,
    );
  return { figures, receipts };
}

export function describeFigures(f: SenderFigures): string {
  const other = [...f.otherStatus].map(([status, n]) => `${status}×${n}`).join(', ') || 'none';
  return `${f.attempts} attempts, ${f.ok} × 200, ${f.refused} refused, ${f.reset} reset, ${f.timedOut} timed out, ${f.serverErrors} × 5xx, other statuses: ${other}`;
}

function post(agent: Agent, baseUrl: string, delivery: LynkDelivery, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (attempt: Attempt) => {
      if (settled) return;
      settled = true;
      resolve(attempt);
    };
    const req = request(`${baseUrl}/webhook/lynk`, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(delivery.body),
        'x-lynk-signature': delivery.signature,
      },
    });
    const timer = setTimeout(() => {
      settle({ kind: 'timedOut' });
      req.destroy();
    }, timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => settle({ kind: 'reset' }));
      res.on('end', () => {
        clearTimeout(timer);
        if (res.statusCode !== 200) return settle({ kind: 'status', status: res.statusCode ?? 0 });
        // A 200 must be Gerbang's receipt; anything else answering 200 would hide a lost delivery,
        // so it counts as "other status 200" (the test expects none) and is retried.
        let body: unknown = null;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {}
        const receipt = receiptSchema.safeParse(body);
        settle(receipt.success ? { kind: 'ok', receipt: receipt.data } : { kind: 'status', status: 200 });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      settle({ kind: error.code === 'ECONNREFUSED' ? 'refused' : 'reset' });
    });
    req.end(delivery.body);
  });
}
