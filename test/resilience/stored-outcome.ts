import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, Dialect } from '../../src/db/index.js';
import type { ReceivedMail } from '../helpers/mail/mime.js';
import type { LynkReceiptBody } from './lynk-sender.js';
import type { DeliveryPlan, ExpectedOutcome } from './order-mix.js';

/**
 * Reads back, from the database itself, what a crash-safety run stored, and lists every way it
 * differs from what was sent. An empty list is the pass; each entry names one lost or doubled thing.
 */
export async function storedOutcomeProblems(
  db: Kysely<Database>,
  sent: { plan: DeliveryPlan; expected: ExpectedOutcome; receipts: readonly LynkReceiptBody[] },
  received: readonly ReceivedMail[],
): Promise<string[]> {
  const problems: string[] = [];
  const { plan, expected, receipts } = sent;
  const check = (label: string, wanted: Iterable<string>, found: Iterable<string>) => {
    const diff = difference(wanted, found);
    if (diff) problems.push(`${label}: ${diff}`);
  };

  const events = await db
    .selectFrom('webhook_events')
    .select(['id', 'external_id', 'outcome', 'signature_valid', 'order_id', 'attempts', 'delivery_count'])
    .where('provider', '=', 'lynk')
    .execute();
  // A valid delivery turned away, or a body cut short by a crash and stored as rejected.
  const rejected = events.filter((e) => e.signature_valid !== 1);
  if (rejected.length > 0) problems.push(`${rejected.length} rejected events, e.g. #${rejected[0]?.id}`);
  const verified = events.filter((e) => e.signature_valid === 1);
  check(
    'stored deliveries (one event per Lynk message_id)',
    plan.orders.map((o) => o.messageId),
    verified.map((e) => e.external_id ?? '(null)'),
  );
  const notProcessed = verified.filter((e) => e.outcome !== 'processed' || e.attempts !== 1 || e.order_id === null);
  if (notProcessed.length > 0)
    problems.push(`events not processed exactly once: ${JSON.stringify(notProcessed.slice(0, 3))}`);

  // Every 200 named the stored event, and said "new" at most once per delivery.
  const eventByMessage = new Map(verified.map((e) => [e.external_id, e]));
  const firstAnswers = new Map<string, number>();
  const answersPer = new Map<string, number>();
  receipts.forEach((receipt, index) => {
    const id = plan.queue[index]?.id ?? '?';
    const event = eventByMessage.get(id);
    if (event?.id !== receipt.event_id)
      problems.push(`200 for ${id} named event #${receipt.event_id}, stored as #${event?.id}`);
    if (receipt.outcome !== 'processed') problems.push(`200 for ${id} said ${receipt.outcome}`);
    if (!receipt.duplicate) firstAnswers.set(id, (firstAnswers.get(id) ?? 0) + 1);
    answersPer.set(id, (answersPer.get(id) ?? 0) + 1);
  });
  for (const [id, n] of firstAnswers) if (n > 1) problems.push(`${id} was answered as new ${n} times`);
  for (const [id, n] of answersPer) {
    const counted = eventByMessage.get(id)?.delivery_count ?? 0;
    if (counted < n) problems.push(`${id} got ${n} answers but counts ${counted} deliveries`);
  }

  const orders = await db.selectFrom('orders').select(['id', 'external_ref', 'order_no', 'email']).execute();
  check(
    'orders (one per refId, buyer email lower-case)',
    plan.orders.map((o) => `${o.refId} ${o.email}`),
    orders.map((o) => `${o.external_ref} ${o.email}`),
  );
  const orderById = new Map(orders.map((o) => [o.id, o]));
  const refByMessage = new Map(plan.orders.map((o) => [o.messageId, o.refId]));
  const misfiled = verified.filter(
    (e) => orderById.get(e.order_id ?? -1)?.external_ref !== refByMessage.get(e.external_id ?? ''),
  );
  if (misfiled.length > 0) problems.push(`${misfiled.length} events point at another payment's order`);

  const licenses = await db
    .selectFrom('licenses')
    .select(['order_id', 'line_no', 'unit_no', 'product_uuid', 'max_devices', 'on_limit', 'license_key'])
    .execute();
  const wantedLicenses = plan.orders.flatMap((o) =>
    o.lines.flatMap(({ yields, ...line }) =>
      yields.member
        ? []
        : Array.from(
            { length: line.qty },
            (_, unit) => `${o.refId}/${line.lineNo}/${unit + 1} ${line.uuid} ${yields.maxDevices} ${yields.onLimit}`,
          ),
    ),
  );
  if (wantedLicenses.length !== expected.licenses) problems.push('the expected license count disagrees with itself');
  check(
    'licenses (one per paid unit: item line × qty)',
    wantedLicenses,
    licenses.map(
      (l) =>
        `${orderById.get(l.order_id)?.external_ref}/${l.line_no}/${l.unit_no} ${l.product_uuid} ${l.max_devices} ${l.on_limit}`,
    ),
  );
  if (new Set(licenses.map((l) => l.license_key)).size !== licenses.length) problems.push('duplicate license keys');

  const members = await db.selectFrom('members').select(['id', 'email', 'source_order_id', 'is_member']).execute();
  check(
    'members (one per buyer of a member product)',
    expected.members,
    members.filter((m) => m.is_member === 1).map((m) => m.email),
  );
  // Every buyer can sign in to see what they bought: one account per address that paid.
  check(
    'accounts (one per buyer)',
    [...new Set(orders.map((o) => o.email))],
    members.map((m) => m.email),
  );

  const outbox = await db
    .selectFrom('mail_outbox')
    .select(['dedupe_key', 'to_address', 'subject', 'status', 'smtp_message_id'])
    .execute();
  const orderNoByRef = new Map(orders.map((o) => [o.external_ref, o.order_no]));
  // The order that created a member queued its registration; the buyer's later member orders, a notice each.
  const orderIdByRef = new Map(orders.map((o) => [o.external_ref, o.id]));
  const memberBySourceOrder = new Map(members.map((m) => [m.source_order_id, m.id]));
  const memberMail = (ref: string) => {
    const orderId = orderIdByRef.get(ref) ?? -1;
    const created = memberBySourceOrder.get(orderId);
    return created === undefined ? `member_purchase:${orderId}` : `registration:${created}`;
  };
  check(
    'queued mails (one per order with licenses, one per order with a member product)',
    [
      ...[...expected.licenseMailRefs].map((ref) => `license:${orderNoByRef.get(ref)}`),
      ...[...expected.memberMailRefs].map(memberMail),
    ],
    outbox.map((m) => m.dedupe_key),
  );
  const unsent = outbox.filter((m) => m.status !== 'sent');
  if (unsent.length > 0) problems.push(`${unsent.length} mails not sent: ${JSON.stringify(unsent.slice(0, 3))}`);
  // Each queued mail reached the SMTP server once: by recipient and subject (a re-send after a
  // crash would repeat both) and by the Message-ID the worker recorded for it.
  check(
    'mails received by the SMTP server',
    outbox.map((m) => `${m.to_address} ${m.subject}`),
    received.map((r) => `${r.envelope.to.join(',')} ${r.subject}`),
  );
  check(
    'Message-IDs received',
    outbox.map((m) => m.smtp_message_id ?? '(none)'),
    received.map((r) => r.headers.get('message-id') ?? '(none)'),
  );
  return problems;
}

export async function integrityProblems(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  if (dialect !== 'sqlite') return [];
  const rows = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
  const result = rows.rows.map((r) => r.integrity_check);
  return result.join() === 'ok' ? [] : [`integrity_check: ${result.slice(0, 5).join('; ')}`];
}

/** Multiset difference in both directions, or null when equal. */
function difference(wanted: Iterable<string>, found: Iterable<string>): string | null {
  const counts = new Map<string, number>();
  let wantedCount = 0;
  let foundCount = 0;
  for (const w of wanted) {
    counts.set(w, (counts.get(w) ?? 0) + 1);
    wantedCount += 1;
  }
  for (const f of found) {
    counts.set(f, (counts.get(f) ?? 0) - 1);
    foundCount += 1;
  }
  const missing = [...counts].filter(([, n]) => n > 0).map(([k]) => k);
  const extra = [...counts].filter(([, n]) => n < 0).map(([k]) => k);
  if (missing.length === 0 && extra.length === 0) return null;
  return `wanted ${wantedCount}, found ${foundCount}; missing ${missing.length} (${missing.slice(0, 3).join(' | ')}), extra or doubled ${extra.length} (${extra.slice(0, 3).join(' | ')})`;
}
