import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { changeEmailByAdmin } from '../../orders/index.js';
import { inputText } from '../../text-input.js';
import { adminActor } from '../guard.js';
import { searchMembers, undoableChange } from '../lists.js';
import { deleteMember, exportMemberData, updateMemberProfile } from '../member-records.js';
import type { ConsoleDeps } from '../member-service.js';
import {
  createMemberByHand,
  forceLogout,
  memberDetail,
  membersByEnd,
  resendRegistration,
  resetDevices,
  setMemberStatus,
} from '../member-service.js';
import { memberDetailView, memberListView, membersByEndView } from '../views/members.js';
import type { ConsoleOptions } from './context.js';
import { beforeParam, idParam, redirectWith, sendConsolePage, textParam, typedFields } from './context.js';

const emailForm = z.object({ email: inputText().trim().min(3).max(254) });

/** Name and phone, the same rules whether a member is made by hand or edited; each says what is wrong. */
const nameField = inputText()
  .transform((v) => v.replace(/\s+/g, ' ').trim())
  .pipe(z.string().max(200, 'Nama paling panjang 200 karakter.'));
const phoneField = inputText()
  .transform((v) => v.trim())
  .pipe(
    z
      .string()
      .max(40, 'No. HP paling panjang 40 karakter.')
      .regex(/^[0-9+\-\s()]*$/, 'No. HP hanya boleh berisi angka, spasi, dan tanda + - ( ).'),
  );
const newMemberForm = z.object({
  email: inputText().trim().min(3, 'Isi email dengan benar.').max(254, 'Isi email dengan benar.'), // checked (and canonicalised) by createMemberByHand
  name: nameField.default(''),
  phone: phoneField.default(''),
});
const profileForm = z.object({ name: nameField, phone: phoneField });

/** The first problem's own message (every rule above has one), for the form shown again. */
function formProblem(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'Isi formulir dengan benar.';
}

/** Member: search, detail, and what an operator does for a buyer who cannot get in. */
export const memberConsoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const deps: ConsoleDeps = {
    db: opts.db,
    dialect: opts.dialect,
    runtime: opts.runtime,
    bus: opts.bus,
    onWebhookQueued: opts.onWebhookQueued,
  };
  const tz = opts.config.displayTimeZone;

  const listPage = async (search: string | undefined, before: number | undefined) =>
    searchMembers(opts.db, opts.dialect, { search, before });

  app.get('/admin/member', async (request, reply) => {
    const which = textParam(request, 'masa');
    if (which === 'segera' || which === 'berakhir')
      return sendConsolePage(
        request,
        reply,
        { title: 'Member', active: '/admin/member' },
        membersByEndView(await membersByEnd(opts.db, which, opts.runtime.now()), which, tz),
      );
    const search = textParam(request, 'q');
    const list = await listPage(search, beforeParam(request));
    return sendConsolePage(
      request,
      reply,
      { title: 'Member', active: '/admin/member' },
      memberListView(list, search, reply.generateCsrf(), tz),
    );
  });

  app.post('/admin/member', { preHandler: app.csrfProtection }, async (request, reply) => {
    const form = newMemberForm.safeParse(request.body);
    const result = form.success
      ? await createMemberByHand(deps, form.data, adminActor(request))
      : ({ ok: false, code: 'INVALID_EMAIL', message: formProblem(form.error) } as const);
    if (result.ok) {
      opts.onMailQueued?.();
      return redirectWith(reply, `/admin/member/${result.memberId}`, 'dibuat');
    }
    const error = result.message;
    const list = await listPage(undefined, undefined);
    return sendConsolePage(
      request,
      reply,
      { title: 'Member', active: '/admin/member', status: 400 },
      memberListView(list, undefined, reply.generateCsrf(), tz, {
        message: error,
        values: typedFields(request.body, ['email', 'name', 'phone']),
      }),
    );
  });

  const detailPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: number,
    refused?: { message: string; values: Record<string, string> },
  ) => {
    const detail = await memberDetail(opts.db, opts.dialect, id, opts.runtime.now());
    if (!detail) throw new AppError('NOT_FOUND', 'Member tidak ditemukan.');
    return sendConsolePage(
      request,
      reply,
      { title: detail.member.email, active: '/admin/member', ...(refused ? { status: 400 } : {}) },
      memberDetailView(
        detail,
        reply.generateCsrf(),
        tz,
        opts.runtime.now(),
        await undoableChange(opts.db, 'member', detail.member.id, 'member.update'),
        refused,
      ),
    );
  };

  app.get('/admin/member/:id', async (request, reply) => detailPage(request, reply, idParam(request)));

  app.post('/admin/member/:id/ubah', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const form = profileForm.safeParse(request.body ?? {});
    if (!form.success)
      return detailPage(request, reply, id, {
        message: formProblem(form.error),
        values: typedFields(request.body, ['name', 'phone']),
      });
    const saved = await updateMemberProfile(opts.db, id, form.data, adminActor(request), opts.runtime.now());
    if (!saved) throw new AppError('NOT_FOUND', 'Member tidak ditemukan.');
    return redirectWith(reply, `/admin/member/${id}`, 'member-diubah');
  });

  app.get('/admin/member/:id/ekspor', async (request, reply) => {
    const id = idParam(request);
    const data = await exportMemberData(opts.db, id, adminActor(request), opts.runtime.now());
    if (!data) throw new AppError('NOT_FOUND', 'Member tidak ditemukan.');
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="data-member-${id}.json"`)
      .header('cache-control', 'no-store')
      .send(JSON.stringify(data, null, 2));
  });

  app.post('/admin/member/:id/hapus', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const result = await deleteMember(opts.db, id, adminActor(request), opts.runtime.now());
    if (result.ok) return redirectWith(reply, '/admin/member', 'member-dihapus');
    if (result.code === 'NOT_FOUND') throw new AppError('NOT_FOUND', 'Member tidak ditemukan.');
    return redirectWith(reply, `/admin/member/${id}`, result.code === 'NOT_EXPORTED' ? 'ekspor-dulu' : 'gagal');
  });

  /** The member actions: each a POST with CSRF, each audited by its service. */
  const action = (
    path: string,
    message: string,
    run: (id: number, request: Parameters<typeof adminActor>[0]) => Promise<unknown>,
  ) =>
    app.post(`/admin/member/:id/${path}`, { preHandler: app.csrfProtection }, async (request, reply) => {
      const id = idParam(request);
      const exists = await opts.db.selectFrom('members').select('id').where('id', '=', id).executeTakeFirst();
      if (!exists) throw new AppError('NOT_FOUND', 'Member tidak ditemukan.');
      const done = await run(id, request);
      return redirectWith(reply, `/admin/member/${id}`, done === false ? 'gagal' : message);
    });

  action('keluarkan', 'keluar', (id, request) => forceLogout(deps, id, adminActor(request)));
  action('reset-perangkat', 'reset', (id, request) => resetDevices(deps, id, adminActor(request)));
  action('kirim-ulang-pendaftaran', 'pendaftaran', async (id, request) => {
    const queued = await resendRegistration(deps, id, adminActor(request));
    if (queued) opts.onMailQueued?.();
    return queued;
  });
  action('nonaktifkan', 'nonaktif', (id, request) => setMemberStatus(deps, id, 'disabled', adminActor(request)));
  action('aktifkan', 'aktif', (id, request) => setMemberStatus(deps, id, 'active', adminActor(request)));

  app.post('/admin/member/:id/email', { preHandler: app.csrfProtection }, async (request, reply) => {
    const id = idParam(request);
    const form = emailForm.safeParse(request.body);
    if (!form.success) throw new AppError('BAD_REQUEST', 'Isi email baru dengan benar.');
    const result = await changeEmailByAdmin(deps, id, form.data.email, adminActor(request));
    if (!result.ok && result.code === 'NOT_FOUND') throw new AppError('NOT_FOUND', result.message);
    if (!result.ok) throw new AppError(result.code === 'EMAIL_TAKEN' ? 'EMAIL_TAKEN' : 'BAD_REQUEST', result.message);
    opts.onMailQueued?.();
    return redirectWith(reply, `/admin/member/${id}`, 'email-diganti');
  });
};
