import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { memberTakeoverLimits, takeoverAllowance } from '../../auth/index.js';
import { AppError } from '../../errors.js';
import type { LicenseDeps } from '../../licenses/index.js';
import { decideTransferReset, pendingTransferResets, resetTransferCount } from '../../licenses/index.js';
import { adminActor } from '../guard.js';
import {
  memberEvidence,
  resetTakeoverCount,
  sharingCountsOf,
  suspectedSharing,
  takeoversPerDay,
} from '../sharing-service.js';
import { memberEvidenceView, sharingListView } from '../views/sharing.js';
import type { ConsoleOptions } from './context.js';
import { idParam, redirectWith, sendConsolePage } from './context.js';

/** The confirmation box of a counter reset was ticked (the browser requires it; a crafted post may not). */
function confirmed(request: FastifyRequest): boolean {
  return (request.body as Record<string, unknown> | null)?.confirm === 'ya';
}

/**
 * Berbagi akun: the ranked sharing signals, one member's evidence, the counter resets and the
 * reset requests. Every action is a POST with CSRF, audited by its service. Nothing here acts on
 * its own: the seller reads the signals and decides.
 */
export const sharingConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const tz = opts.config.displayTimeZone;
  const licenses: LicenseDeps = {
    db: opts.db,
    dialect: opts.dialect,
    runtime: opts.runtime,
    bus: opts.bus,
    onWebhookQueued: opts.onWebhookQueued,
    transfers: opts.config.licenseTransfers,
  };

  app.get('/admin/berbagi', async (request, reply) => {
    const now = opts.runtime.now();
    const [members, licenseRows, pending] = await Promise.all([
      suspectedSharing(opts.db, 'member', now),
      suspectedSharing(opts.db, 'license', now),
      pendingTransferResets(opts.db),
    ]);
    const view = {
      members,
      licenses: licenseRows,
      pending: pending.map((p) => ({ ...p, confirmedAt: p.confirmedAt === null ? null : Number(p.confirmedAt) })),
      policy: opts.config.licenseTransfers.resetPolicy,
    };
    return sendConsolePage(
      request,
      reply,
      { title: 'Berbagi akun', active: '/admin/berbagi' },
      sharingListView(view, reply.generateCsrf(), tz),
    );
  });

  app.get('/admin/berbagi/member/:id', async (request, reply) => {
    const id = idParam(request);
    const now = opts.runtime.now();
    const member = await opts.db
      .selectFrom('members')
      .select(['id', 'email', 'status'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!member) throw new AppError('NOT_FOUND', 'Member tidak ditemukan.');
    const limits = await memberTakeoverLimits(opts.db, id, false);
    const [signals, evidence, chart, takeovers] = await Promise.all([
      sharingCountsOf(opts.db, 'member', id, now),
      memberEvidence(opts.db, id, now),
      takeoversPerDay(opts.db, id, now, tz),
      takeoverAllowance(opts.db, id, limits, opts.config.auth, now),
    ]);
    return sendConsolePage(
      request,
      reply,
      { title: member.email, active: '/admin/berbagi' },
      memberEvidenceView({ member, ...signals, evidence, chart, takeovers }, reply.generateCsrf(), tz),
    );
  });

  app.post('/admin/berbagi/member/:id/reset-ambil-alih', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    if (!confirmed(request)) return redirectWith(reply, `/admin/berbagi/member/${id}`, 'konfirmasi-reset');
    const done = await resetTakeoverCount(opts.db, id, adminActor(request), opts.runtime.now());
    if (!done) throw new AppError('NOT_FOUND', 'Member tidak ditemukan.');
    return redirectWith(reply, `/admin/berbagi/member/${id}`, 'ambil-alih-reset');
  });

  app.post('/admin/lisensi/:id/reset-pelepasan', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    if (!confirmed(request)) return redirectWith(reply, '/admin/berbagi', 'konfirmasi-reset');
    const done = await resetTransferCount(licenses, id, adminActor(request));
    if (!done) throw new AppError('NOT_FOUND', 'Lisensi tidak ditemukan.');
    return redirectWith(reply, '/admin/berbagi', 'pelepasan-reset');
  });

  for (const [path, approve] of [
    ['setujui', true],
    ['tolak', false],
  ] as const) {
    app.post(`/admin/berbagi/reset/:id/${path}`, { preHandler: app.csrfProtection }, async (request, reply) => {
      const result = await decideTransferReset(licenses, idParam(request), approve, adminActor(request));
      if (!result.ok) return redirectWith(reply, '/admin/berbagi', 'gagal');
      return redirectWith(reply, '/admin/berbagi', approve ? 'reset-disetujui' : 'reset-ditolak');
    });
  }
};
