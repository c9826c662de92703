import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../../errors.js';
import {
  licenseDetail,
  licenseState,
  listActivations,
  resendLicenseMail,
  searchLicenses,
} from '../../licenses/index.js';
import { adminActor } from '../guard.js';
import { undoableChange } from '../lists.js';
import { licenseDetailView, licenseListView } from '../views/licenses.js';
import type { ConsoleOptions } from './context.js';
import { beforeParam, idParam, redirectWith, sendConsolePage, textParam } from './context.js';

/** Lisensi: search by key, email or product; the detail; the license mail again. */
export const licenseConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const tz = opts.config.displayTimeZone;

  app.get('/admin/lisensi', async (request, reply) => {
    const search = textParam(request, 'q');
    const list = await searchLicenses(opts.db, opts.dialect, { search, before: beforeParam(request) });
    return sendConsolePage(
      request,
      reply,
      { title: 'Lisensi', active: '/admin/lisensi' },
      licenseListView(list, search, tz),
    );
  });

  app.get('/admin/lisensi/:id', async (request, reply) => {
    const detail = await licenseDetail(opts.db, idParam(request));
    if (!detail) throw new AppError('NOT_FOUND', 'Lisensi tidak ditemukan.');
    const activations = await listActivations(opts.db, detail.license.id);
    const state = licenseState(detail.license, opts.runtime.now());
    const previousTerms = await undoableChange(opts.db, 'license', detail.license.id, 'license.update');
    return sendConsolePage(
      request,
      reply,
      { title: detail.license.license_key, active: '/admin/lisensi' },
      licenseDetailView(
        detail,
        reply.generateCsrf(),
        tz,
        { state, activations },
        previousTerms as { maxDevices: number; expiresAt: number | null } | undefined,
      ),
    );
  });

  app.post('/admin/lisensi/:id/kirim-ulang', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const queued = await resendLicenseMail(opts.db, opts.runtime, id, adminActor(request));
    if (queued) opts.onMailQueued?.();
    return redirectWith(reply, `/admin/lisensi/${id}`, queued ? 'lisensi' : 'gagal');
  });
};
