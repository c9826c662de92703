import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/index.js';
import { systemRuntime } from '../clock.js';
import { createLogger } from '../logger.js';
import { canonicalEmail } from '../members/index.js';
import type { PpobOrderResult, PpobStatus } from '../ppob/index.js';
import {
  customerNo,
  hesdaSettings,
  idempotencyKey,
  listPpobTransactions,
  PPOB_STATUSES,
  placePpobOrder,
  productCode,
  resolvePpobTransaction,
  transactionJson,
} from '../ppob/index.js';
import { configFromEnvironment, parseLimit, UsageError, withDatabase, withDatabaseAndBus } from './context.js';
import { complain, formatTime, printRows, say } from './output.js';

/** What an operator reads after `gerbang ppob order`, per outcome (exit 1 for all but a placed order). */
/** The outcome's name in `--json` output, as scripts read it. */
function outcomeName(result: PpobOrderResult) {
  if (result.ok) return result.duplicate ? 'duplicate' : 'accepted';
  return (
    {
      PPOB_ORDER_REJECTED: 'rejected',
      PPOB_OUTCOME_UNKNOWN: 'unknown',
      PPOB_NOT_CONFIGURED: 'not_configured',
      PPOB_MEMBER_NOT_FOUND: 'member_not_found',
      IDEMPOTENCY_CONFLICT: 'idempotency_conflict',
    } as const
  )[result.code];
}

const OUTCOME_TEXT: Record<ReturnType<typeof outcomeName>, string> = {
  accepted: 'Pesanan diterima Hesda',
  duplicate: 'Pesanan dengan idempotency key ini sudah ada (tidak dikirim ulang)',
  rejected: 'Hesda menolak pesanan',
  unknown:
    'Hasil di Hesda tidak diketahui: transaksi ditandai "unknown" untuk rekonsiliasi. JANGAN pesan ulang; cek dasbor Hesda',
  not_configured: 'PPOB belum diatur: setel HESDA_API_URL dan HESDA_API_KEY',
  member_not_found: 'Tidak ada member dengan email itu',
  idempotency_conflict: 'Idempotency key ini sudah dipakai untuk pesanan lain',
};

/** Refused as typed, never folded into another member's address (see src/members/email-address.ts). */
function memberEmail(value: string): string {
  const checked = canonicalEmail(value);
  if (!checked.ok) throw new UsageError(`--member: ${checked.message}`);
  return checked.email;
}

function valid<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  value: unknown,
  flag: string,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${flag} tidak valid: ${String(value)}`);
  return parsed.data;
}

export async function ppobOrder(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      product: { type: 'string' },
      customer: { type: 'string' },
      member: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.product || !values.customer)
    throw new UsageError(
      'pemakaian: gerbang ppob order --product KODE --customer NOMOR [--member EMAIL] [--key K] [--json]',
    );
  const input = {
    productCode: valid(productCode, values.product, '--product'),
    customerNo: valid(customerNo, values.customer, '--customer'),
    memberEmail: values.member === undefined ? undefined : memberEmail(values.member),
    idempotencyKey: values.key === undefined ? undefined : valid(idempotencyKey, values.key, '--key'),
  };
  const config = configFromEnvironment();
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  // On PostgreSQL the events reach the servers' streams by NOTIFY; on SQLite a member's page picks
  // them up when it reconnects (Last-Event-ID) or reloads.
  const result = await withDatabaseAndBus(config, ({ db }, bus) =>
    placePpobOrder({ db, runtime: systemRuntime, bus, log, hesda: hesdaSettings(config.ppob) }, input, CLI_ACTOR),
  );
  const transaction = 'transaction' in result ? transactionJson(result.transaction) : null;
  const outcome = outcomeName(result);
  if (values.json) process.stdout.write(`${JSON.stringify({ outcome, transaction }, null, 2)}\n`);
  else {
    say(`${OUTCOME_TEXT[outcome]}.\n`);
    if (transaction)
      say(
        `Transaksi #${transaction.id} · ${transaction.status} · Hesda ${transaction.hesda_transaction_id ?? '-'} · ${transaction.product_code} → ${transaction.customer_no}${transaction.message ? ` · ${transaction.message}` : ''}${transaction.last_error ? ` · ${transaction.last_error}` : ''}\n`,
      );
  }
  if (!result.ok) process.exitCode = 1;
}

export async function ppobList(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { status: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const status = values.status as PpobStatus | undefined;
  if (status !== undefined && !PPOB_STATUSES.includes(status))
    throw new UsageError(`--status harus salah satu dari: ${PPOB_STATUSES.join(', ')}`);
  const limit = parseLimit(values.limit);
  const config = configFromEnvironment();
  const rows = await withDatabase(config, ({ db }) =>
    listPpobTransactions(db, { limit, ...(status ? { status } : {}) }),
  );
  const shaped = rows.map(transactionJson);
  if (values.json) return printRows(shaped, [], true);
  printRows(
    shaped.map((r) => ({ ...r, created_at: formatTime(Date.parse(r.created_at)), detail: r.last_error ?? r.message })),
    ['id', 'status', 'product_code', 'customer_no', 'hesda_transaction_id', 'sn', 'member_id', 'created_at', 'detail'],
    false,
  );
}

const RESOLVE_TEXT = {
  NOT_FOUND: 'Transaksi itu tidak ada',
  NOT_UNKNOWN: 'Transaksi itu tidak berstatus unknown: tidak ada yang perlu direkonsiliasi',
  HESDA_ID_TAKEN: 'ID transaksi Hesda itu sudah tercatat pada transaksi lain',
} as const;

/** `gerbang ppob resolve <id> --transaction-id T | --not-ordered`: the end of a reconciliation. */
export async function ppobResolve(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'transaction-id': { type: 'string' },
      'not-ordered': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const id = Number(positionals[0]);
  const hesdaId = values['transaction-id']?.trim();
  if (positionals.length !== 1 || !Number.isInteger(id) || id < 1 || Boolean(hesdaId) === values['not-ordered'])
    throw new UsageError('pemakaian: gerbang ppob resolve <id> (--transaction-id ID_HESDA | --not-ordered) [--json]');
  if (hesdaId !== undefined && !/^[A-Za-z0-9._:-]{1,200}$/.test(hesdaId))
    throw new UsageError('--transaction-id tidak valid');
  const config = configFromEnvironment();
  const result = await withDatabaseAndBus(config, ({ db }, bus) =>
    resolvePpobTransaction(
      { db, runtime: systemRuntime, bus },
      id,
      hesdaId ? { hesdaTransactionId: hesdaId } : { notOrdered: true },
      CLI_ACTOR,
    ),
  );
  if (!result.ok) {
    complain(`gerbang: ${RESOLVE_TEXT[result.code]} (#${id})\n`);
    process.exitCode = 1;
    return;
  }
  const t = transactionJson(result.transaction);
  if (values.json) process.stdout.write(`${JSON.stringify(t, null, 2)}\n`);
  else
    say(
      `Transaksi #${t.id} direkonsiliasi: ${t.status}${t.hesda_transaction_id ? ` · Hesda ${t.hesda_transaction_id}` : ''}\n`,
    );
}
