import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { LicenseDeps } from '../../licenses/index.js';
import {
  releaseActivation,
  resetActivations,
  restoreLicense,
  revokeLicense,
  updateLicenseTerms,
} from '../../licenses/index.js';
import { dayStartOf } from '../../shared/zoned-day.js';
import { inputText } from '../../text-input.js';
import { adminActor } from '../guard.js';
import type { ConsoleOptions } from './context.js';
import { idParam, redirectWith } from './context.js';

const revokeForm = z.object({
  // The box the operator ticks: a revocation cannot be undone, so a stray click does nothing.
  confirm: z.literal('ya'),
  reason: inputText().trim().max(200).optional(),
});

const termsForm = z.object({
  maxDevices: z.coerce.number().int().min(1).max(1000),
  // A day in the seller's zone ("2027-01-31": valid until that day ends), or empty: never expires.
  expires: z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/)]).default(''),
});

const activationParams = z.object({ activation: z.coerce.number().int().positive().max(2_147_483_647) });

function activationParam(request: FastifyRequest): number {
  const parsed = activationParams.safeParse(request.params);
  if (!parsed.success) throw new AppError('NOT_FOUND', 'Aktivasi tidak ditemukan.');
  return parsed.data.activation;
}

/**
 * The console's license actions: revoke, reset activations, release one device.
 * The services audit the change with the admin as actor and tell the member's open pages after
 * the commit, over this process's bus (the console runs in the server, so the pages hear it live).
 */
export const licenseActionRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const deps: LicenseDeps = {
    db: opts.db,
    dialect: opts.dialect,
    runtime: opts.runtime,
    bus: opts.bus,
    onWebhookQueued: opts.onWebhookQueued,
  };

  app.post('/admin/lisensi/:id/cabut', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const form = revokeForm.safeParse(request.body ?? {});
    if (!form.success) return redirectWith(reply, `/admin/lisensi/${id}`, 'konfirmasi');
    const result = await revokeLicense(deps, id, adminActor(request), form.data.reason || 'admin');
    if (!result.ok && result.code === 'NOT_FOUND') throw new AppError('NOT_FOUND', 'Lisensi tidak ditemukan.');
    return redirectWith(reply, `/admin/lisensi/${id}`, result.ok ? 'lisensi-dicabut' : 'gagal');
  });

  app.post('/admin/lisensi/:id/pulihkan', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const result = await restoreLicense(opts.db, id, adminActor(request), opts.runtime.now());
    if (!result.ok && result.code === 'NOT_FOUND') throw new AppError('NOT_FOUND', 'Lisensi tidak ditemukan.');
    return redirectWith(reply, `/admin/lisensi/${id}`, result.ok ? 'lisensi-pulih' : 'gagal');
  });

  app.post('/admin/lisensi/:id/ubah', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const form = termsForm.safeParse(request.body ?? {});
    const tz = opts.config.displayTimeZone;
    const dayStart = form.success && form.data.expires ? dayStartOf(form.data.expires, tz) : null;
    if (!form.success || (form.data.expires && dayStart === null))
      return redirectWith(reply, `/admin/lisensi/${id}`, 'lisensi-isi');
    const expiresAt = dayStart === null ? null : dayStart + 86_400_000 - 1;
    const result = await updateLicenseTerms(
      opts.db,
      id,
      { maxDevices: form.data.maxDevices, expiresAt },
      adminActor(request),
      opts.runtime.now(),
    );
    if (!result.ok && result.code === 'NOT_FOUND') throw new AppError('NOT_FOUND', 'Lisensi tidak ditemukan.');
    return redirectWith(reply, `/admin/lisensi/${id}`, result.ok ? 'lisensi-diubah' : 'lisensi-perangkat-terpakai');
  });

  app.post('/admin/lisensi/:id/reset-aktivasi', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const ended = await resetActivations(deps, id, adminActor(request));
    if (ended === null) throw new AppError('NOT_FOUND', 'Lisensi tidak ditemukan.');
    return redirectWith(reply, `/admin/lisensi/${id}`, 'aktivasi-reset');
  });

  app.post(
    '/admin/lisensi/:id/aktivasi/:activation/lepas',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const id = idParam(request);
      const result = await releaseActivation(deps, id, activationParam(request), adminActor(request));
      if (!result.ok && result.code === 'NOT_FOUND') throw new AppError('NOT_FOUND', 'Aktivasi tidak ditemukan.');
      return redirectWith(reply, `/admin/lisensi/${id}`, result.ok ? 'aktivasi-lepas' : 'gagal');
    },
  );
};
