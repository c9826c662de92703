import type { PpobStatus } from '../db/schema.js';

/**
 * The status rule of a PPOB transaction, pure (also bundled for the browser). Hesda reports
 * pending, success or failed; ours adds `unknown` (stored before the call, answer not known).
 * Only forward: unknown → anything Hesda says, pending → success|failed; success and failed are
 * final, so a late or repeated webhook changes nothing.
 */
export type HesdaStatus = 'pending' | 'success' | 'failed';
export type { PpobStatus };

export const HESDA_STATUSES: readonly HesdaStatus[] = ['pending', 'success', 'failed'];
export const PPOB_STATUSES: readonly PpobStatus[] = ['unknown', 'pending', 'success', 'failed'];

/** The status after Hesda reported `reported`, or null when nothing changes. */
export function nextPpobStatus(current: PpobStatus, reported: HesdaStatus): PpobStatus | null {
  if (current === 'success' || current === 'failed') return null;
  if (current === 'pending') return reported === 'pending' ? null : reported;
  return reported;
}

export function isFinalStatus(status: PpobStatus): boolean {
  return status === 'success' || status === 'failed';
}

/** What members read (the page and the live update use the same words). */
export const PPOB_STATUS_LABELS: Readonly<Record<PpobStatus, string>> = {
  unknown: 'Menunggu konfirmasi',
  pending: 'Diproses',
  success: 'Berhasil',
  failed: 'Gagal',
};

export function ppobStatusLabel(status: string): string {
  // Inherited names are never strings here, so "constructor" cannot leak a function name in.
  const label = (PPOB_STATUS_LABELS as Readonly<Record<string, unknown>>)[status];
  return typeof label === 'string' ? label : status;
}
