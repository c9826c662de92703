import type { FastifyPluginAsync, preHandlerAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import { signedIn } from '../auth/index.js';
import type { Database, PpobTransaction } from '../db/index.js';
import { formatDateTime } from '../shared/format.js';
import { html } from '../web/html.js';
import { memberPage } from '../web/member-layout.js';
import { sendPage } from '../web/respond.js';
import { ppobStatusLabel } from './status.js';
import { listPpobTransactions } from './transactions.js';

export interface PpobMemberPageOptions {
  db: Kysely<Database>;
  requireMember: preHandlerAsyncHookHandler;
  timeZone: string;
}

/**
 * One row; the browser (src/client/ppob-live.ts) builds the same cells by class when a
 * `transaction.updated` event arrives, so the two must keep the same shape.
 */
export function transactionRow(t: PpobTransaction, timeZone: string) {
  return html`<tr data-transaction-id="${String(t.id)}" data-status="${t.status}"><td class="tx-time">${formatDateTime(t.created_at, timeZone)}</td><td class="tx-product">${t.product_name || t.product_code}</td><td class="tx-customer">${t.customer_no}</td><td class="tx-status"><span class="status status-${t.status}">${ppobStatusLabel(t.status)}</span></td><td class="tx-sn">${t.sn ?? ''}</td><td class="tx-message">${t.message ?? ''}</td></tr>`;
}

/** GET /member/transaksi: the member's PPOB transactions, updated live by the realtime stream. */
export const ppobMemberRoutes: FastifyPluginAsync<PpobMemberPageOptions> = async (
  app,
  { db, requireMember, timeZone },
) => {
  app.get('/member/transaksi', { preHandler: requireMember }, async (request, reply) => {
    const member = signedIn(request);
    const rows = await listPpobTransactions(db, { memberId: member.memberId, limit: 200 });
    const body = html`<h1>Transaksi saya</h1>
<p class="muted">Pulsa, paket data dan produk PPOB lain yang dipesan untuk Anda. Status diperbarui otomatis.</p>
<table id="transactions" class="cards-on-phone" data-time-zone="${timeZone}"><thead><tr><th>Waktu</th><th>Produk</th><th>Nomor tujuan</th><th>Status</th><th>SN</th><th>Keterangan</th></tr></thead><tbody>${
      rows.length === 0
        ? html`<tr class="empty"><td colspan="6" class="muted">Belum ada transaksi.</td></tr>`
        : rows.map((t) => transactionRow(t, timeZone))
    }</tbody></table>`;
    return sendPage(reply, 200, memberPage('Transaksi saya', reply.generateCsrf(), body));
  });
};
