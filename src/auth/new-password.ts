import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { recordAudit } from '../audit/index.js';
import { checkNewPassword, hashPassword } from '../members/index.js';
import { html } from '../web/html.js';
import { page } from '../web/layout.js';
import { sendPage } from '../web/respond.js';
import type { GuardDeps } from './guard.js';
import { memberGuard, NEW_PASSWORD_PATH } from './guard.js';
import type { AuthDeps } from './login.js';
import { endMemberSessions } from './login.js';
import { newPasswordFields } from './password-fields.js';

const newPasswordForm = z.object({
  password: z.string().max(1000),
  password_confirm: z.string().max(1000),
});

/**
 * "Buat kata sandi baru": where the member guard sends a member whose password must be replaced
 * (an imported account whose password still was the phone number anyone could guess). Signed in,
 * they choose one here before any other member page; sessions on other devices end.
 */
export const newPasswordRoutes: FastifyPluginAsync<{ auth: AuthDeps; guard: GuardDeps }> = async (
  app,
  { auth, guard },
) => {
  const requireMember = memberGuard(guard, { allowPasswordChange: true });
  const form = (reply: FastifyReply, status: number, email: string, error?: string) =>
    sendPage(
      reply,
      status,
      page(
        'Buat kata sandi baru',
        html`<h1>Buat kata sandi baru</h1>
<p>Akun <strong>${email}</strong> sudah pindah ke sistem baru. Kata sandi lama Anda masih nomor HP, yang mudah ditebak orang lain.</p>
<p>Buat kata sandi baru sebelum melanjutkan.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="${NEW_PASSWORD_PATH}">
<input type="hidden" name="_csrf" value="${reply.generateCsrf()}">
${newPasswordFields(', bukan nomor HP Anda')}
<button type="submit">Simpan kata sandi</button>
</form>`,
      ),
    );

  app.get(NEW_PASSWORD_PATH, { preHandler: requireMember }, async (request, reply) => {
    const member = request.member;
    if (!member) return reply.redirect('/login', 303);
    if (!member.mustChangePassword) return reply.redirect('/member', 303);
    return form(reply, 200, member.email);
  });

  app.post(NEW_PASSWORD_PATH, { preHandler: [requireMember, app.csrfProtection] }, async (request, reply) => {
    const member = request.member;
    if (!member) return reply.redirect('/login', 303);
    if (!member.mustChangePassword) return reply.redirect('/member', 303);
    const body = newPasswordForm.safeParse(request.body);
    if (!body.success) return form(reply, 400, member.email, 'Isi kata sandi dengan benar.');
    const { password, password_confirm } = body.data;
    const phone = await auth.db
      .selectFrom('members')
      .select('phone')
      .where('id', '=', member.memberId)
      .executeTakeFirst();
    const problem =
      password !== password_confirm
        ? 'Kedua kata sandi tidak sama.'
        : phone?.phone && password.trim() === phone.phone.trim()
          ? 'Kata sandi baru tidak boleh nomor HP Anda.'
          : checkNewPassword(password, member.email);
    if (problem) return form(reply, 422, member.email, problem);

    const passwordHash = await hashPassword(password);
    const now = auth.runtime.now();
    await auth.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('members')
        .set({ password_hash: passwordHash, password_set_at: now, password_change_required: 0, updated_at: now })
        .where('id', '=', member.memberId)
        .execute();
      await recordAudit(
        trx,
        { type: 'member', id: member.memberId, label: member.email, ip: request.ip },
        { action: 'member.replace_default_password', target: { type: 'member', id: member.memberId } },
        now,
      );
    });
    // Whoever else knew the old password (a phone number) is out; this browser stays signed in.
    await endMemberSessions(
      auth,
      member.memberId,
      'password_changed',
      {
        actor: { type: 'member', id: member.memberId, label: member.email, ip: request.ip },
        action: 'session.revoke_all',
      },
      member.deviceId,
    );
    request.log.info({ memberId: member.memberId }, 'member replaced an imported default password');
    return reply.redirect('/member?sandi=baru', 303);
  });
};
