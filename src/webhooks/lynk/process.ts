import type { Kysely } from 'kysely';
import type { Runtime } from '../../clock.js';
import type { Config } from '../../config/index.js';
import type { Database, Transact } from '../../db/index.js';
import type { LicenseLine } from '../../licenses/index.js';
import { issueOrderLicenses, orderLicensesIssued } from '../../licenses/index.js';
import {
  enqueueMail,
  licenseMailSubject,
  normalizeIndonesianPhone,
  registrationMailSubject,
} from '../../mail/index.js';
import {
  createMemberIfAbsent,
  findMemberByEmail,
  grantMembership,
  hashPassword,
  memberCreatedEvent,
  NO_PASSWORD,
  randomPassword,
} from '../../members/index.js';
import type { OrderItemInput } from '../../orders/index.js';
import {
  createOrderIfNew,
  findOrderByRef,
  memberProductUuids,
  orderPaidEvent,
  recordOrderItems,
  wholeRupiah,
} from '../../orders/index.js';
import { resolveProductAction, storedProductRules, withStoredRules } from '../../products/index.js';
import type { WebhookEventInput } from '../../webhooks-out/index.js';
import { queueWebhookEvents } from '../../webhooks-out/index.js';
import type { PreviousKeyUse } from '../signing-keys.js';
import type { LynkPayment } from './payload.js';
import { isPaidPayment, lynkPaymentSchema } from './payload.js';

export interface LynkDeps {
  db: Kysely<Database>;
  config: Config;
  runtime: Runtime;
  /** How the webhook's write transaction runs (group commit on SQLite); a plain one by default. */
  transact?: Transact;
  /** Counts deliveries verified only by LYNK_MERCHANT_KEY_PREVIOUS (GET /metrics). */
  previousKeyUse?: PreviousKeyUse;
}

/** The result of processing, stored on the event. Expected failures are values, not exceptions. */
export type ProcessOutcome =
  /** webhookDeliveries: queued for the seller's endpoints (none: their sender need not wake up). */
  | { outcome: 'processed'; note: string; orderId: number; webhookDeliveries: number }
  | { outcome: 'ignored' | 'failed'; code: string; message: string };

/** What a payment will do, decided before the transaction (password hashing is slow: keep it outside). */
export type LynkPlan =
  | { kind: 'done'; result: ProcessOutcome }
  | {
      kind: 'apply';
      payment: LynkPayment;
      licenseLines: LicenseLine[];
      items: OrderItemInput[];
      member: { passwordHash: string | null; policy: 'random' | 'phone'; takeoverLimit: number | null } | null;
      /** The membership products of this payment, each adding its time. */
      memberships: { title: string; validityDays: number | null; renewUrl: string | null }[];
      warnings: string[];
    };

export async function planLynkEvent(deps: LynkDeps, body: unknown): Promise<LynkPlan> {
  // Two strings decide whether this is a paid payment; the full schema runs only when it is.
  const head = body as { event?: unknown; data?: { message_action?: unknown } } | null;
  const event = typeof head?.event === 'string' ? head.event : '?';
  const action = typeof head?.data?.message_action === 'string' ? head.data.message_action : '?';
  if (!isPaidPayment(event, action)) {
    return {
      kind: 'done',
      result: {
        outcome: 'ignored',
        code: 'NOT_A_PAID_PAYMENT',
        message: `event ${event} dengan message_action ${action} tidak diproses`,
      },
    };
  }
  const parsed = lynkPaymentSchema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.join('.') ?? '';
    return {
      kind: 'done',
      result: { outcome: 'failed', code: 'INVALID_PAYMENT', message: `${where}: ${first?.message ?? 'tidak valid'}` },
    };
  }
  const payment = parsed.data;
  const md = payment.data.message_data;
  const catalog = withStoredRules(deps.config.products, await storedProductRules(deps.db));
  const warnings: string[] = [];
  const licenseLines: LicenseLine[] = [];
  const items: OrderItemInput[] = [];
  const memberships: { title: string; validityDays: number | null; renewUrl: string | null }[] = [];
  let takeoverLimit: number | null = null;
  const memberUuids = await memberProductUuids(
    deps.db,
    md.items.filter((item) => resolveProductAction(catalog, item).matchedBy === 'none').map((item) => item.uuid),
  );
  md.items.forEach((item, index) => {
    const action = resolveProductAction(catalog, { uuid: item.uuid, title: item.title }, memberUuids);
    items.push({
      lineNo: index + 1,
      title: item.title,
      uuid: item.uuid,
      qty: item.qty,
      price: wholeRupiah(item.price),
      action: action.action,
      matchedBy: action.matchedBy,
    });
    if (action.matchedBy === 'member_uuid')
      warnings.push(`produk "${item.title}" belum punya aturan; UUID-nya dulu produk member, jadi tetap member`);
    if (action.action === 'member') {
      takeoverLimit = action.takeoverLimit ?? takeoverLimit;
      for (let unit = 0; unit < item.qty; unit++)
        memberships.push({ title: item.title, validityDays: action.validityDays, renewUrl: action.renewUrl });
    } else
      licenseLines.push({
        lineNo: index + 1,
        title: item.title,
        uuid: item.uuid,
        qty: item.qty,
        maxDevices: action.maxDevices,
        validityDays: action.validityDays,
        onLimit: action.onLimit,
        offlineGraceDays: action.offlineGraceDays,
        maxTransfers: action.maxTransfers ?? null,
      });
  });

  let member: { passwordHash: string | null; policy: 'random' | 'phone'; takeoverLimit: number | null } | null = null;
  if (memberships.length > 0) {
    let policy = deps.config.initialPasswordPolicy;
    if (policy === 'phone' && md.customer.phone === '') {
      // An empty phone would make an empty password: refuse it.
      warnings.push('nomor HP kosong: kata sandi awal acak, bukan nomor HP');
      policy = 'random';
    }
    const exists = await findMemberByEmail(deps.db, md.customer.email);
    const passwordHash = exists
      ? null
      : await hashPassword(policy === 'phone' ? md.customer.phone : randomPassword(deps.runtime.randomBytes));
    member = { passwordHash, policy, takeoverLimit };
  }
  return { kind: 'apply', payment, licenseLines, items, member, memberships, warnings };
}

/**
 * Applies a plan inside the caller's transaction: order, member, licenses and mails, all or nothing.
 * The order comes first: its unique (provider, refId) makes a second delivery of the same payment,
 * under any message id, change nothing. The caller then writes the event row with the outcome.
 */
export async function applyLynkPlan(trx: Kysely<Database>, deps: LynkDeps, plan: LynkPlan): Promise<ProcessOutcome> {
  if (plan.kind === 'done') return plan.result;
  const { payment, licenseLines } = plan;
  const md = payment.data.message_data;
  const now = deps.runtime.now();
  const prefix = deps.config.licensePrefix;

  // Whole rupiah, as a number or plain digits (grandTotalSchema): Number() reads either exactly.
  const grandTotal = Number(md.totals.grandTotal);
  const order = await createOrderIfNew(
    trx,
    {
      provider: 'lynk',
      externalRef: md.refId,
      email: md.customer.email,
      customerName: md.customer.name,
      phone: md.customer.phone,
      grandTotal,
      paidAt: md.createdAt || null,
      // `gerbang lynk simulate` and the console's "Uji coba" sign their message ids SIM_…: the
      // prefix is inside the signed body, so nobody without the merchant key can mark a sale as a test.
      isTest: payment.data.message_id.startsWith('SIM_'),
    },
    { prefix, now, randomBytes: deps.runtime.randomBytes },
  );
  if (!order) {
    const seen = await findOrderByRef(trx, 'lynk', md.refId);
    return {
      outcome: 'ignored',
      code: 'DUPLICATE_PAYMENT',
      message: `refId ${md.refId} sudah diproses sebagai order ${seen?.order_no ?? '?'}`,
    };
  }
  await recordOrderItems(trx, order.id, plan.items, now);
  const notes = [`order ${order.order_no}`];
  // For the seller's systems: the payment, a new member, every license (queued with the rest).
  const events: WebhookEventInput[] = [
    orderPaidEvent(order, {
      provider: 'lynk',
      refId: md.refId,
      email: md.customer.email,
      name: md.customer.name,
      phone: md.customer.phone,
      grandTotal,
      paidAt: md.createdAt || null,
      items: md.items.map((item) => ({ title: item.title, uuid: item.uuid, qty: item.qty })),
    }),
  ];

  if (plan.member) {
    // The plan hashed no password when the buyer was a member already; only a member removed since
    // then needs one here (inside the transaction, so it is the rare case, and it goes before any
    // logins waiting for a hash: every other write waits for this transaction).
    const passwordHash =
      plan.member.passwordHash ?? (() => hashPassword(randomPassword(deps.runtime.randomBytes), { ahead: true }));
    const { member, created } = await createMemberIfAbsent(
      trx,
      {
        email: md.customer.email,
        name: md.customer.name,
        phone: md.customer.phone,
        passwordHash,
        sourceOrderId: order.id,
        // The phone number is a password the buyer chose for an address anyone can type.
        needsEmailProof: plan.member.policy === 'phone',
        membership: true,
      },
      now,
    );
    notes.push(created ? `member baru #${member.id}` : `member #${member.id} sudah ada`);
    // The membership's own takeover limit (its product rule), kept on the member for every later login.
    if (plan.member.takeoverLimit !== null)
      await trx
        .updateTable('members')
        .set({ takeover_limit: plan.member.takeoverLimit })
        .where('id', '=', member.id)
        .execute();
    // Each membership product adds its time: from the payment, or from the end while one still runs.
    let membershipEndsAt: number | null = null;
    for (const m of plan.memberships)
      ({ endsAt: membershipEndsAt } = await grantMembership(
        trx,
        {
          memberId: member.id,
          orderId: order.id,
          productTitle: m.title,
          days: m.validityDays,
          renewUrl: m.renewUrl,
          paidAt: now,
        },
        now,
      ));
    if (created) events.push(memberCreatedEvent(member, { via: 'payment', orderNo: order.order_no }));
    // A repeat purchase reaches the mailbox too: its owner must learn of an account that someone
    // else may have opened with this address, and how to take it over (a fresh set-password link).
    const params = {
      kind: 'registration' as const,
      memberId: member.id,
      orderNo: order.order_no,
      name: md.customer.name,
      email: member.email,
      passwordPolicy: plan.member.policy,
      membershipEndsAt,
      ...(created ? {} : { repeatPurchase: true }),
    };
    const dedupeKey = created ? `registration:${member.id}` : `member_purchase:${order.id}`;
    await enqueueMail(trx, { dedupeKey, to: member.email, subject: registrationMailSubject(params), params }, now);
  }

  if (!plan.member && licenseLines.length > 0) {
    // Every buyer has a page: a buyer of licenses only gets an account without membership and
    // without a password, and signs in with an emailed link to see the keys ("Lisensi saya").
    const { member, created } = await createMemberIfAbsent(
      trx,
      {
        email: md.customer.email,
        name: md.customer.name,
        phone: md.customer.phone,
        passwordHash: NO_PASSWORD,
        sourceOrderId: order.id,
        membership: false,
      },
      now,
    );
    if (created) notes.push(`akun pembeli #${member.id}`);
  }

  if (licenseLines.length > 0) {
    const issued = await issueOrderLicenses(trx, {
      orderId: order.id,
      email: md.customer.email,
      lynkRefId: md.refId,
      lines: licenseLines,
      prefix,
      now,
      randomBytes: deps.runtime.randomBytes,
    });
    const count = issued.reduce((n, line) => n + line.keys.length, 0);
    notes.push(`${count} lisensi`);
    const params = {
      kind: 'license' as const,
      orderNo: order.order_no,
      transactionNo: order.transaction_no,
      name: md.customer.name,
      email: md.customer.email,
      paidAt: md.createdAt,
      items: issued,
    };
    await enqueueMail(
      trx,
      {
        dedupeKey: `license:${order.order_no}`,
        to: md.customer.email,
        subject: licenseMailSubject(params),
        params,
        whatsappTo: deps.config.whatsapp ? normalizeIndonesianPhone(md.customer.phone) : null,
      },
      now,
    );
  }
  // One look at the endpoints for all of the payment's events; the licenses' are read only for a listener.
  const webhookDeliveries = await queueWebhookEvents(
    trx,
    async () => [...events, ...(licenseLines.length > 0 ? await orderLicensesIssued(trx, order.id, now)() : [])],
    { now, randomBytes: deps.runtime.randomBytes },
  );
  for (const w of plan.warnings) notes.push(`peringatan: ${w}`);
  return { outcome: 'processed', note: notes.join('; '), orderId: order.id, webhookDeliveries };
}
