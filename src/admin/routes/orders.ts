import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { OrderFilter, OrderListRow } from '../../orders/index.js';
import { eachOrder, listOrders, loadOrderPage, revenueReport, soldProductTitles } from '../../orders/index.js';
import { dayStartOf, isoDay } from '../../shared/zoned-day.js';
import type { OrderFilterForm } from '../views/orders.js';
import { orderDetailView, orderListView } from '../views/orders.js';
import { refundForm } from '../views/refund.js';
import { revenueView } from '../views/revenue.js';
import type { ConsoleOptions } from './context.js';
import { beforeParam, idParam, sendConsolePage, textParam } from './context.js';

const DAY_MS = 86_400_000;
const choices = z.object({
  status: z.enum(['lunas', 'dibatalkan', 'anonim']).optional().catch(undefined),
  jenis: z.enum(['nyata', 'uji']).optional().catch(undefined),
  pemisah: z.enum(['koma', 'titik-koma']).optional().catch(undefined),
});

export type OrderConsoleOptions = ConsoleOptions;

/** What the list's query string asks for, as the form shows it and as the queries take it. */
function orderFilter(request: FastifyRequest, tz: string): { form: OrderFilterForm; filter: OrderFilter } {
  const picked = choices.parse(request.query ?? {});
  const form: OrderFilterForm = {
    q: textParam(request, 'q'),
    dari: textParam(request, 'dari'),
    sampai: textParam(request, 'sampai'),
    produk: textParam(request, 'produk'),
    status: picked.status,
    jenis: picked.jenis,
  };
  const from = form.dari ? dayStartOf(form.dari, tz) : null;
  const until = form.sampai ? dayStartOf(form.sampai, tz) : null;
  // A day that is not a real date is dropped from the form too, so the page shows what was applied.
  if (from === null) form.dari = undefined;
  if (until === null) form.sampai = undefined;
  return {
    form,
    filter: {
      search: form.q,
      from: from ?? undefined,
      // "Sampai" includes that whole day.
      until: until === null ? undefined : until + DAY_MS,
      product: form.produk,
      status: form.status,
      kind: form.jenis,
    },
  };
}

/**
 * A cell Excel will not run: a value starting with = + - @ (or a tab/CR) is a formula to a
 * spreadsheet (OWASP "CSV injection"); a leading apostrophe makes it text.
 */
export function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const CSV_COLUMNS = ['Order', 'Waktu', 'Nama', 'Email', 'HP', 'Produk', 'Total (Rp)', 'Jenis', 'Status', 'Ref'];

function csvRecord(o: OrderListRow, tz: string): (string | number)[] {
  const time = new Intl.DateTimeFormat('sv-SE', {
    timeZone: tz,
    dateStyle: 'short',
    timeStyle: 'short',
  }).format(o.created_at);
  return [
    o.order_no,
    time,
    spreadsheetSafe(o.customer_name),
    spreadsheetSafe(o.email),
    spreadsheetSafe(o.phone),
    spreadsheetSafe(o.products),
    o.grand_total,
    o.is_test ? 'uji coba' : 'nyata',
    o.refunded_at !== null ? 'dibatalkan (refund)' : o.anonymised_at ? 'data pembeli dihapus' : 'lunas',
    spreadsheetSafe(o.external_ref),
  ];
}

/** Pesanan: list, CSV export, one order, and the revenue of the last 30 days. */
export const orderConsoleRoutes: FastifyPluginAsync<OrderConsoleOptions> = async (app, opts) => {
  const tz = opts.config.displayTimeZone;

  app.get('/admin/pesanan', async (request, reply) => {
    const { form, filter } = orderFilter(request, tz);
    const [list, products] = await Promise.all([
      listOrders(opts.db, opts.dialect, { ...filter, before: beforeParam(request) }),
      soldProductTitles(opts.db),
    ]);
    return sendConsolePage(
      request,
      reply,
      { title: 'Pesanan', active: '/admin/pesanan' },
      orderListView(list, form, products, tz),
    );
  });

  // Streamed in keyset batches: memory stays flat for a hundred thousand orders. UTF-8 with a BOM,
  // or Excel reads the names as Latin-1; a semicolon variant for Excel set to Indonesian
  // (its list separator there is ";").
  app.get('/admin/pesanan.csv', async (request, reply) => {
    const { filter } = orderFilter(request, tz);
    const semicolon = choices.parse(request.query ?? {}).pemisah === 'titik-koma';
    const rows = Readable.from(
      (async function* () {
        for await (const order of eachOrder(opts.db, opts.dialect, filter)) yield csvRecord(order, tz);
      })(),
    );
    const csv = stringify({
      bom: true,
      header: true,
      columns: CSV_COLUMNS,
      delimiter: semicolon ? ';' : ',',
      record_delimiter: 'windows',
    });
    rows.on('error', (error) => csv.destroy(error));
    const name = `pesanan-${isoDay(opts.runtime.now(), tz)}.csv`;
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store')
      .send(rows.pipe(csv));
  });

  app.get('/admin/pesanan/:id', async (request, reply) => {
    const id = idParam(request);
    const order = await loadOrderPage(opts.db, id);
    if (!order) throw new AppError('NOT_FOUND', 'Pesanan tidak ditemukan.');
    const csrf = reply.generateCsrf();
    const refund = refundForm(order.order, csrf, tz, `/admin/pesanan/${id}`);
    return sendConsolePage(
      request,
      reply,
      { title: `Order ${order.order.order_no}`, active: '/admin/pesanan' },
      orderDetailView(order, tz, refund),
    );
  });

  app.get('/admin/pendapatan', async (request, reply) => {
    const report = await revenueReport(opts.db, opts.runtime.now(), tz);
    return sendConsolePage(request, reply, { title: 'Pendapatan', active: '/admin/pesanan' }, revenueView(report));
  });
};
