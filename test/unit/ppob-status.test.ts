import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HesdaStatus, PpobStatus } from '../../src/ppob/index.js';
import { HESDA_STATUSES, nextPpobStatus, PPOB_STATUSES, ppobStatusLabel } from '../../src/ppob/index.js';

describe('PPOB status transitions', () => {
  it('pending moves to success or failed only; a repeated pending changes nothing', () => {
    expect(nextPpobStatus('pending', 'success')).toBe('success');
    expect(nextPpobStatus('pending', 'failed')).toBe('failed');
    expect(nextPpobStatus('pending', 'pending')).toBeNull();
  });

  it('success and failed are final: no report moves them, not even the other final status', () => {
    for (const final of ['success', 'failed'] as const)
      for (const reported of HESDA_STATUSES) expect(nextPpobStatus(final, reported)).toBeNull();
  });

  it('an unknown order takes whatever Hesda reports (its answer, or reconciliation)', () => {
    for (const reported of HESDA_STATUSES) expect(nextPpobStatus('unknown', reported)).toBe(reported);
  });

  it('no sequence of reports ever leaves a final status or goes back to pending', () => {
    const reports = fc.array(fc.constantFrom<HesdaStatus>(...HESDA_STATUSES), { maxLength: 20 });
    fc.assert(
      fc.property(fc.constantFrom<PpobStatus>(...PPOB_STATUSES), reports, (start, sequence) => {
        let status = start;
        let finalSeen: PpobStatus | null = status === 'success' || status === 'failed' ? status : null;
        for (const reported of sequence) {
          const next = nextPpobStatus(status, reported);
          if (next === null) continue;
          expect(finalSeen).toBeNull();
          if (status === 'pending') expect(next).not.toBe('pending');
          status = next;
          if (status === 'success' || status === 'failed') finalSeen = status;
        }
      }),
    );
  });

  it('labels are Indonesian, and a name from Object.prototype is not one', () => {
    expect(ppobStatusLabel('success')).toBe('Berhasil');
    expect(ppobStatusLabel('pending')).toBe('Diproses');
    expect(ppobStatusLabel('failed')).toBe('Gagal');
    expect(ppobStatusLabel('constructor')).toBe('constructor');
  });
});
