import { randomBytes } from 'node:crypto';
import { buildLynkPayment, signLynkPayment } from '../src/webhooks/index.js';

/**
 * Distinct, correctly signed `payment.received` deliveries for a license product, built before any
 * measurement so that JSON encoding and signing never sit in the load generator's hot path. Each
 * entry has its own message_id and refId, so every request does the full work: verify, store the
 * event, create the order, issue one license, queue one mail, one commit.
 */
export interface PaymentPool {
  readonly size: number;
  readonly bodies: readonly Buffer[];
  readonly signatures: readonly string[];
  readonly messageIds: readonly string[];
}

/** Not in MEMBER_PRODUCT_TITLES and no product rule: the default action is a one-device license. */
export const BENCH_PRODUCT = { title: 'E-book Ekspor', uuid: 'bench-ebook', qty: 1, price: 72_000 } as const;

export function buildPaymentPool(size: number, merchantKey: string): PaymentPool {
  // The tag keeps ids unique across bench invocations too (e.g. a server pointed at a kept DATA_DIR).
  const tag = randomBytes(4).toString('hex');
  const bodies: Buffer[] = [];
  const signatures: string[] = [];
  const messageIds: string[] = [];
  for (let i = 0; i < size; i++) {
    const messageId = `BENCH_${tag}_${i}`;
    const payment = buildLynkPayment({
      email: `pembeli${i}@example.com`,
      name: `Pembeli ${i}`,
      phone: '081234567890',
      items: [{ ...BENCH_PRODUCT }],
      refId: `bench-${tag}-${i}`,
      messageId,
    });
    const { body, signature } = signLynkPayment(payment, merchantKey);
    bodies.push(Buffer.from(body, 'utf8'));
    signatures.push(signature);
    messageIds.push(messageId);
  }
  return { size, bodies, signatures, messageIds };
}

// Per entry state; 0 (the Uint8Array default) means not handed out yet.
const SENT = 1;
const PROCESSED = 2; // 2xx with outcome "processed" and not a duplicate
const OTHER_2XX = 3;
const FAILED = 4; // the server answered non-2xx: it says nothing was stored
const LOST = 5; // timeout or connection error: the server may or may not have committed it

export interface LedgerCounts {
  /** Deliveries handed to a client. */
  sent: number;
  /** 2xx answers saying the payment was processed (what the database must hold). */
  processed: number;
  /** 2xx answers with another outcome (duplicate, ignored, failed): none are expected. */
  other2xx: number;
  /** Non-2xx answers. */
  failed: number;
  /** Timeouts and connection errors: the outcome is unknown, the server may have committed them. */
  lost: number;
  /** Sent but never answered: cut off when the load generator stopped. The server may have committed them. */
  unanswered: number;
}

/**
 * Which pool entries one server run used and what each got back. Entries are handed out in order,
 * once each; an exhausted pool returns null instead of repeating a delivery (a repeat would be a
 * cheap duplicate and flatter the figures).
 */
export class DeliveryLedger {
  private readonly state: Uint8Array;
  private cursor = 0;

  constructor(readonly pool: PaymentPool) {
    this.state = new Uint8Array(pool.size);
  }

  next(): number | null {
    if (this.cursor >= this.pool.size) return null;
    const index = this.cursor++;
    this.state[index] = SENT;
    return index;
  }

  answer(index: number, status: number, body: string): void {
    if (status < 200 || status > 299) this.state[index] = FAILED;
    else if (body.includes('"outcome":"processed"') && body.includes('"duplicate":false'))
      this.state[index] = PROCESSED;
    else this.state[index] = OTHER_2XX;
  }

  /** No answer arrived (timeout, reset): unlike a non-2xx answer, the server may still have stored it. */
  lose(index: number): void {
    this.state[index] = LOST;
  }

  get exhausted(): boolean {
    return this.cursor >= this.pool.size;
  }

  counts(): LedgerCounts {
    const c = { sent: this.cursor, processed: 0, other2xx: 0, failed: 0, lost: 0, unanswered: 0 };
    for (let i = 0; i < this.cursor; i++) {
      const s = this.state[i];
      if (s === PROCESSED) c.processed++;
      else if (s === OTHER_2XX) c.other2xx++;
      else if (s === FAILED) c.failed++;
      else if (s === LOST) c.lost++;
      else if (s === SENT) c.unanswered++;
    }
    return c;
  }

  /** Message ids that were answered "processed": each must be in the database. */
  processedMessageIds(): string[] {
    const ids: string[] = [];
    for (let i = 0; i < this.cursor; i++) if (this.state[i] === PROCESSED) ids.push(this.pool.messageIds[i] ?? '');
    return ids;
  }
}
