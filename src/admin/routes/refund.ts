import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { safeReturnPath } from '../../auth/index.js';
import { AppError } from '../../errors.js';
import { REFUND_REASON_MAX, refundOrder } from '../../orders/index.js';
import { inputText } from '../../text-input.js';
import { adminActor } from '../guard.js';
import type { ConsoleOptions } from './context.js';
import { idParam, redirectWith } from './context.js';

const refundBody = z.object({
  alasan: inputText().trim().min(3).max(REFUND_REASON_MAX),
  yakin: z.literal('ya'),
  kembali: z.string().max(500).optional(),
});

/**
 * POST /admin/pesanan/:id/refund — "Refund / batalkan": revokes what the order granted (see
 * src/orders/refund.ts). Back to the console page the form was on (a console path only).
 */
export const refundConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  app.post('/admin/pesanan/:id/refund', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const body = refundBody.safeParse(request.body);
    if (!body.success)
      throw new AppError('BAD_REQUEST', 'Isi alasan refund (minimal 3 karakter) dan centang "Saya yakin".');
    const back = safeReturnPath(body.data.kembali);
    const returnTo = back?.startsWith('/admin/') ? back : `/admin/pesanan/${id}`;
    const result = await refundOrder(
      {
        db: opts.db,
        dialect: opts.dialect,
        runtime: opts.runtime,
        bus: opts.bus,
        onWebhookQueued: opts.onWebhookQueued,
        onMailQueued: opts.onMailQueued,
      },
      id,
      body.data.alasan,
      adminActor(request),
    );
    if (!result.ok && result.code === 'NOT_FOUND') throw new AppError('NOT_FOUND', 'Pesanan tidak ditemukan.');
    if (!result.ok) throw new AppError('ALREADY_REFUNDED');
    return redirectWith(reply, returnTo, 'refund');
  });
};
