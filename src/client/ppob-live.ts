/**
 * Keeps the member's transactions table (/member/transaksi) current: each `transaction.updated`
 * event replaces its row, or adds it on top when the order is new. Cells are built with
 * textContent (never innerHTML) and mirror the server's row (src/ppob/member-page.ts).
 */

import { formatDateTime } from '../shared/format.js';
import type { TransactionUpdatedEvent } from './realtime-events.js';

const CELLS = ['tx-time', 'tx-product', 'tx-customer', 'tx-status', 'tx-sn', 'tx-message'] as const;

/** Status classes the stylesheet knows; anything else gets the neutral badge. */
const STATUS_CLASSES = new Set(['unknown', 'pending', 'success', 'failed']);

/** The server's format (pure, bundled in); a zone the browser does not know falls back to its own. */
function formatTime(ms: number, timeZone: string): string {
  try {
    return formatDateTime(ms, timeZone);
  } catch {
    return new Date(ms).toLocaleString('id-ID');
  }
}

function fillRow(row: HTMLTableRowElement, event: TransactionUpdatedEvent, timeZone: string): void {
  row.dataset.transactionId = String(event.id);
  row.dataset.status = event.status;
  const texts: Record<(typeof CELLS)[number], string> = {
    'tx-time': formatTime(event.createdAt, timeZone),
    'tx-product': event.productName || event.productCode,
    'tx-customer': event.customerNo,
    'tx-status': '',
    'tx-sn': event.sn,
    'tx-message': event.message,
  };
  for (const name of CELLS) {
    let cell = row.querySelector<HTMLTableCellElement>(`td.${name}`);
    if (!cell) {
      cell = document.createElement('td');
      cell.className = name;
      row.appendChild(cell);
    }
    if (name !== 'tx-status') {
      cell.textContent = texts[name];
      continue;
    }
    const badge = document.createElement('span');
    badge.className = `status status-${STATUS_CLASSES.has(event.status) ? event.status : 'other'}`;
    badge.textContent = event.statusLabel;
    cell.replaceChildren(badge);
  }
}

/** Applies one event to the table; returns the row it changed (or null without a table). */
export function applyTransactionUpdate(
  table: HTMLTableElement,
  event: TransactionUpdatedEvent,
): HTMLTableRowElement | null {
  const body = table.tBodies[0];
  if (!body) return null;
  const timeZone = table.dataset.timeZone || 'Asia/Jakarta';
  let row = body.querySelector<HTMLTableRowElement>(`tr[data-transaction-id="${event.id}"]`);
  if (!row) {
    for (const empty of Array.from(body.querySelectorAll('tr.empty'))) empty.remove();
    row = document.createElement('tr');
    body.insertBefore(row, body.firstChild);
  }
  fillRow(row, event, timeZone);
  return row;
}
