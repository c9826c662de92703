import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../auth/index.js';
import { endOwnDeviceSession, memberDevices, signedIn } from '../auth/index.js';
import { AppError } from '../errors.js';
import { formatAgo, formatDateTime } from '../shared/format.js';
import { html } from '../web/html.js';
import { memberPage } from '../web/member-layout.js';
import { sendPage } from '../web/respond.js';

export interface DevicesPageOptions {
  auth: Pick<AuthDeps, 'db' | 'runtime' | 'bus'>;
  timeZone: string;
}

/**
 * "Perangkat saya": the browsers the member used lately, with their last use, and a button that
 * ends the session on any other one. Ending it is the member's own decision from a device that is
 * signed in, so it is never counted as a takeover (the takeover limit's message points here).
 */
export async function devicesPageRoutes(app: FastifyInstance, { auth, timeZone }: DevicesPageOptions) {
  app.get('/member/perangkat', async (request, reply) => {
    const member = signedIn(request);
    const now = auth.runtime.now();
    const devices = await memberDevices(auth.db, member.memberId, now);
    const csrf = reply.generateCsrf();
    const ended = (request.query as Record<string, unknown>).diakhiri !== undefined;
    const items = devices.map((d) => {
      const here = d.deviceId === member.deviceId;
      const state = here
        ? html`<span class="badge ok">Perangkat ini</span>`
        : d.live
          ? html`<span class="badge warn">Sedang masuk</span>`
          : html`<span class="badge">Tidak masuk</span>`;
      const action =
        !here && d.live
          ? html`<form method="post" action="/member/perangkat/${d.deviceId}/akhiri"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="secondary release" id="end-${d.deviceId}">Akhiri sesi</button></form>`
          : '';
      return html`<li data-device-id="${d.deviceId}"><div><strong>${d.browser}</strong> di <strong>${d.os}</strong> ${state}<br><span class="muted">Terakhir dipakai ${formatAgo(d.lastSeenAt, now)} (${formatDateTime(d.lastSeenAt, timeZone)}) · pertama ${formatDateTime(d.firstSeenAt, timeZone)}</span></div>${action}</li>`;
    });
    return sendPage(
      reply,
      200,
      memberPage(
        'Perangkat saya',
        csrf,
        html`<h1>Perangkat saya</h1>
${ended ? html`<p class="ok" id="end-notice">Sesi di perangkat itu sudah diakhiri.</p>` : ''}
<p class="muted">Browser yang masuk ke akun ini dalam 30 hari terakhir. Mengakhiri sesi di sini tidak dihitung sebagai "Tetap gunakan di sini".</p>
<ul class="devices own-devices" id="own-devices">${items}</ul>`,
      ),
    );
  });

  app.post<{ Params: { id: string } }>(
    '/member/perangkat/:id/akhiri',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const member = signedIn(request);
      const id = Number(request.params.id);
      const ended =
        Number.isSafeInteger(id) && id > 0
          ? await endOwnDeviceSession(
              auth,
              { memberId: member.memberId, deviceId: member.deviceId, email: member.email },
              id,
              request.ip,
            )
          : false;
      // Another member's device, this device, or one without a live session: the same "not found".
      if (!ended) throw new AppError('NOT_FOUND');
      return reply.redirect('/member/perangkat?diakhiri=1', 303);
    },
  );
}
