import { parseArgs } from 'node:util';
import type { MailStatus, WebhookOutcome, WebhookProvider } from '../db/index.js';
import { listLicenses } from '../licenses/index.js';
import { listMail } from '../mail/index.js';
import { listMembers } from '../members/index.js';
import { listDeliveries, OTHER_IPS } from '../webhooks/index.js';
import { configFromEnvironment, parseLimit, UsageError, withDatabase } from './context.js';
import { formatTime, printRows, say } from './output.js';

// Only members and licenses can be searched: the other lists reject --search instead of ignoring it.
const listOptions = {
  json: { type: 'boolean', default: false },
  limit: { type: 'string' },
} as const;
const searchableListOptions = { ...listOptions, search: { type: 'string' } } as const;

export async function membersList(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: searchableListOptions, strict: true });
  // Usage is checked before the config and the database are touched.
  const limit = parseLimit(values.limit);
  const config = configFromEnvironment();
  const rows = await withDatabase(config, ({ db }) =>
    listMembers(db, { limit, ...(values.search ? { search: values.search } : {}) }),
  );
  const shaped = rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    phone: r.phone,
    role: r.role,
    status: r.status,
    password_set: r.password_set_at !== null,
    created_at: new Date(r.created_at).toISOString(),
  }));
  printRows(shaped, ['id', 'email', 'name', 'phone', 'status', 'password_set', 'created_at'], values.json);
}

export async function licensesList(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: searchableListOptions, strict: true });
  // Usage is checked before the config and the database are touched.
  const limit = parseLimit(values.limit);
  const config = configFromEnvironment();
  const rows = await withDatabase(config, ({ db }) =>
    listLicenses(db, { limit, ...(values.search ? { search: values.search } : {}) }),
  );
  const shaped = rows.map((r) => ({
    id: r.id,
    license_key: r.license_key,
    email: r.email,
    product_title: r.product_title,
    product_uuid: r.product_uuid,
    status: r.status,
    max_devices: r.max_devices,
    expires_at: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
    order_no: r.order_no,
    lynk_ref_id: r.lynk_ref_id,
    created_at: new Date(r.created_at).toISOString(),
  }));
  printRows(shaped, ['id', 'license_key', 'email', 'product_title', 'status', 'order_no', 'created_at'], values.json);
}

const OUTCOMES: readonly WebhookOutcome[] = ['processed', 'ignored', 'failed', 'rejected'];
const PROVIDERS: readonly WebhookProvider[] = ['lynk', 'hesda'];

export async function eventsList(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { ...listOptions, outcome: { type: 'string' }, provider: { type: 'string' } },
    strict: true,
  });
  const outcome = values.outcome as WebhookOutcome | undefined;
  if (outcome !== undefined && !OUTCOMES.includes(outcome))
    throw new UsageError(`--outcome harus salah satu dari: ${OUTCOMES.join(', ')}`);
  const provider = values.provider as WebhookProvider | undefined;
  if (provider !== undefined && !PROVIDERS.includes(provider))
    throw new UsageError(`--provider harus salah satu dari: ${PROVIDERS.join(', ')}`);
  const limit = parseLimit(values.limit);
  const config = configFromEnvironment();
  const rows = await withDatabase(config, ({ db }) =>
    listDeliveries(db, {
      limit,
      ...(outcome ? { outcome } : {}),
      ...(provider ? { provider } : {}),
    }),
  );
  const shaped = rows.map((r) => ({
    id: r.id,
    provider: r.provider,
    external_id: r.external_id,
    event_type: r.event_type,
    outcome: r.outcome,
    signature_valid: r.signature_valid === 1,
    error_code: r.error_code,
    error_message: r.error_message,
    note: r.note,
    // On a rejected row: the refusals of its IP and reason counted in that minute (one body kept).
    deliveries: r.delivery_count,
    attempts: r.attempts,
    remote_ip: r.remote_ip,
    received_at: new Date(r.received_at).toISOString(),
    last_received_at: new Date(r.last_received_at).toISOString(),
  }));
  if (values.json) return printRows(shaped, [], true);
  printRows(
    shaped.map((r) => ({
      ...r,
      received_at: formatTime(Date.parse(r.received_at)),
      detail: r.outcome === 'rejected' ? rejectedDetail(r) : (r.note ?? r.error_message),
    })),
    ['id', 'provider', 'outcome', 'event_type', 'external_id', 'deliveries', 'received_at', 'detail'],
    false,
  );
}

/** A rejected row is a counter: what was refused, from where and (when counted again) until when. */
function rejectedDetail(r: {
  error_code: string | null;
  remote_ip: string | null;
  deliveries: number;
  last_received_at: string;
}): string {
  const from = r.remote_ip === OTHER_IPS ? 'berbagai IP' : (r.remote_ip ?? '-');
  const until = r.deliveries > 1 ? ` s/d ${formatTime(Date.parse(r.last_received_at)).slice(11)}` : '';
  return `${r.error_code ?? '?'} dari ${from}${until}`;
}

const STATUSES: readonly MailStatus[] = ['pending', 'sending', 'sent', 'failed'];

export async function mailList(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...listOptions, status: { type: 'string' } }, strict: true });
  const status = values.status as MailStatus | undefined;
  if (status !== undefined && !STATUSES.includes(status))
    throw new UsageError(`--status harus salah satu dari: ${STATUSES.join(', ')}`);
  const limit = parseLimit(values.limit);
  const config = configFromEnvironment();
  const rows = await withDatabase(config, ({ db }) => listMail(db, { limit, ...(status ? { status } : {}) }));
  const shaped = rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    to: r.to_address,
    subject: r.subject,
    status: r.status,
    transport: r.transport,
    attempts: r.attempts,
    last_error: r.last_error,
    created_at: new Date(r.created_at).toISOString(),
    sent_at: r.sent_at === null ? null : new Date(r.sent_at).toISOString(),
    next_attempt_at: r.status === 'pending' ? new Date(r.next_attempt_at).toISOString() : null,
    text: r.text_body,
  }));
  if (values.json) return printRows(shaped, [], true);
  if (shaped.length === 0) {
    say('(kotak keluar kosong)\n');
    return;
  }
  for (const m of shaped) {
    const via = m.transport === 'dev' ? ' (kotak surat dev)' : m.transport ? ` (${m.transport})` : '';
    say(`#${m.id}  ${m.status}${via}  percobaan: ${m.attempts}  dibuat: ${formatTime(Date.parse(m.created_at))}\n`);
    say(`Kepada: ${m.to}\nSubjek: ${m.subject}\n`);
    if (m.last_error) say(`Galat terakhir: ${m.last_error}\n`);
    say(m.text ? `${'-'.repeat(60)}\n${m.text}\n` : '(isi dibuat saat dikirim)\n');
    say(`${'='.repeat(60)}\n`);
  }
}
