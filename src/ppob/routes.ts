import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { apiTokenActor, requireApiToken } from '../auth/index.js';
import type { PpobTransaction } from '../db/index.js';
import type { ErrorCode } from '../errors.js';
import { AppError } from '../errors.js';
import { emailInput } from '../members/index.js';
import { issuesText } from '../shared/zod-issues.js';
import { sendError } from '../web/respond.js';
import type { PpobDeps } from './orders.js';
import { placePpobOrder } from './orders.js';
import { PPOB_STATUSES } from './status.js';
import { listPpobTransactions } from './transactions.js';

/** Product codes and customer numbers as Hesda uses them (XXL5, 0895…, meter ids): no spaces, no markup. */
export const productCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,50}$/, 'kode produk tidak valid');
export const customerNo = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9.+-]{3,64}$/, 'nomor pelanggan tidak valid');
export const idempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,100}$/, 'idempotency key: 8–100 huruf, angka, . _ : -');

const orderBodySchema = z.object({
  product_code: productCode,
  customer_no: customerNo,
  // Lazy for the same reason as src/auth/login-schema.ts: members' index may not be evaluated yet.
  member_email: z.lazy(() => emailInput.pipe(z.email().max(254))).optional(),
  idempotency_key: idempotencyKey.optional(),
});

const listQuerySchema = z.object({
  status: z.enum(PPOB_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** A transaction as the API and `gerbang ppob … --json` show it. */
export function transactionJson(t: PpobTransaction) {
  return {
    id: t.id,
    idempotency_key: t.idempotency_key,
    hesda_transaction_id: t.hesda_transaction_id,
    member_id: t.member_id,
    product_code: t.product_code,
    product_name: t.product_name,
    customer_no: t.customer_no,
    status: t.status,
    sn: t.sn,
    message: t.message,
    last_error: t.last_error,
    created_at: new Date(t.created_at).toISOString(),
    updated_at: new Date(t.updated_at).toISOString(),
  };
}

/** An order refused: the transaction (when one was kept) beside the code, so the caller sees its state. */
function fail(
  request: FastifyRequest,
  reply: FastifyReply,
  code: ErrorCode,
  transaction?: PpobTransaction,
  detail?: string,
) {
  return sendError(request, reply, code, {
    json: true,
    ...(detail === undefined ? {} : { message: detail }),
    ...(transaction ? { envelope: { transaction: transactionJson(transaction) } } : {}),
  });
}

/**
 * The operator API (Bearer admin API token, never a cookie, so no CSRF). Placing an order is
 * audited with the token as actor; a retry with the same Idempotency-Key returns the first order.
 */
export const ppobAdminRoutes: FastifyPluginAsync<PpobDeps> = async (app, deps) => {
  const guard = requireApiToken({ db: deps.db, runtime: deps.runtime });

  app.post('/api/admin/ppob/orders', { preHandler: guard }, async (request, reply) => {
    const parsed = orderBodySchema.safeParse(request.body ?? {});
    const header = request.headers['idempotency-key'];
    const headerKey = typeof header === 'string' ? idempotencyKey.safeParse(header) : null;
    if (!parsed.success || (headerKey && !headerKey.success)) {
      const issue = parsed.success ? headerKey?.error?.issues[0] : parsed.error.issues[0];
      throw new AppError('INVALID_PAYLOAD', `${issue?.path.join('.') || 'Idempotency-Key'}: ${issue?.message ?? ''}`);
    }
    const input = parsed.data;
    const result = await placePpobOrder(
      deps,
      {
        productCode: input.product_code,
        customerNo: input.customer_no,
        memberEmail: input.member_email,
        idempotencyKey: headerKey?.data ?? input.idempotency_key,
      },
      apiTokenActor(request),
    );
    if (result.ok) {
      const transaction = transactionJson(result.transaction);
      if (result.duplicate) return reply.code(200).send({ transaction, duplicate: true });
      return reply.code(201).send({ transaction });
    }
    if (result.code === 'PPOB_ORDER_REJECTED')
      return fail(
        request,
        reply,
        result.code,
        result.transaction,
        `Hesda menolak pesanan: ${result.transaction.message ?? ''}`,
      );
    return fail(request, reply, result.code, 'transaction' in result ? result.transaction : undefined);
  });

  app.get('/api/admin/ppob/transactions', { preHandler: guard }, async (request) => {
    const query = listQuerySchema.safeParse(request.query ?? {});
    if (!query.success) throw new AppError('BAD_REQUEST', issuesText(query.error));
    const rows = await listPpobTransactions(deps.db, {
      limit: query.data.limit,
      ...(query.data.status ? { status: query.data.status } : {}),
    });
    return { transactions: rows.map(transactionJson) };
  });
};
