import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { LicenseDeps } from '../licenses/index.js';
import { confirmTransferReset } from '../licenses/index.js';
import { peekOneTimeToken } from '../members/index.js';
import { html } from '../web/html.js';
import { page } from '../web/layout.js';
import { sendPage } from '../web/respond.js';

const tokenField = z.object({ token: z.string().min(20).max(200) });

const INVALID =
  'Tautan ini tidak berlaku: sudah dipakai, kedaluwarsa, atau tidak lengkap. Minta reset lagi di Lisensi saya.';

function invalidLink(reply: FastifyReply, status: 400 | 410) {
  return sendPage(
    reply,
    status,
    page('Tautan tidak berlaku', html`<h1>Tautan tidak berlaku</h1><p class="error">${INVALID}</p>`),
  );
}

/**
 * GET/POST /reset-pelepasan — the one-time link of a license reset request. The mailbox proves the
 * request, no session needed (the link may be opened on a phone). GET only shows a button (mail
 * scanners that prefetch links must not burn the token); POST consumes it.
 */
export const transferResetRoutes: FastifyPluginAsync<{ licenses: LicenseDeps }> = async (app, { licenses }) => {
  app.get('/reset-pelepasan', async (request, reply) => {
    reply.header('referrer-policy', 'no-referrer');
    const query = tokenField.safeParse(request.query);
    const owner = query.success
      ? await peekOneTimeToken(licenses.db, 'transfer_reset', query.data.token, licenses.runtime.now())
      : null;
    // No token at all is a malformed request; a token that names nothing is a link that is gone.
    if (!query.success || !owner) return invalidLink(reply, query.success ? 410 : 400);
    return sendPage(
      reply,
      200,
      page(
        'Konfirmasi reset',
        html`<h1>Konfirmasi reset perangkat</h1>
<p>Anda meminta reset batas pelepasan perangkat lisensi untuk akun <strong>${owner.email}</strong>.</p>
<form method="post" action="/reset-pelepasan">
<input type="hidden" name="_csrf" value="${reply.generateCsrf()}">
<input type="hidden" name="token" value="${query.data.token}">
<button type="submit" id="confirm-reset">Konfirmasi permintaan</button>
</form>`,
      ),
    );
  });

  app.post('/reset-pelepasan', { preHandler: app.csrfProtection }, async (request, reply) => {
    reply.header('referrer-policy', 'no-referrer');
    const body = tokenField.safeParse(request.body);
    const result = body.success ? await confirmTransferReset(licenses, body.data.token) : null;
    if (!result?.ok) return invalidLink(reply, 410);
    const text =
      result.pending === 0
        ? 'Reset sudah berlaku: Anda bisa melepas perangkat lagi di Lisensi saya.'
        : 'Permintaan dikonfirmasi. Penjual akan memeriksanya; setelah disetujui Anda bisa melepas perangkat lagi.';
    return sendPage(
      reply,
      200,
      page(
        'Reset dikonfirmasi',
        html`<h1>Terima kasih</h1><p class="ok" id="reset-result">${text}</p><p><a href="/member/lisensi">Ke Lisensi saya</a></p>`,
      ),
    );
  });
};
