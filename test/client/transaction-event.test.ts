import { describe, expect, it } from 'vitest';
import { parseRealtimeEvent, REALTIME_EVENT_TYPES } from '../../src/client/realtime-monitor.js';

const frame = (data: object) => JSON.stringify({ type: 'transaction.updated', ...data });

describe('transaction.updated in the browser client', () => {
  it('is a type the monitor listens for', () => {
    expect(REALTIME_EVENT_TYPES).toContain('transaction.updated');
  });

  it('parses what the server sends, with null sn and message as empty text', () => {
    const event = parseRealtimeEvent(
      frame({
        id: 7,
        status: 'success',
        statusLabel: 'Berhasil',
        productCode: 'XXL5',
        productName: 'XX 5.000',
        customerNo: '0895',
        sn: null,
        message: null,
        createdAt: 1,
        updatedAt: 2,
      }),
      'transaction.updated',
    );
    expect(event).toEqual({
      type: 'transaction.updated',
      id: 7,
      status: 'success',
      statusLabel: 'Berhasil',
      productCode: 'XXL5',
      productName: 'XX 5.000',
      customerNo: '0895',
      sn: '',
      message: '',
      createdAt: 1,
      updatedAt: 2,
    });
  });

  it('drops an update without an integer id or a status: there is no row to change', () => {
    for (const data of [
      { status: 'success' },
      { id: '7', status: 'success' },
      { id: 1.5, status: 'x' },
      { id: 7 },
      { id: 7, status: '' },
    ])
      expect(parseRealtimeEvent(frame(data), 'transaction.updated'), JSON.stringify(data)).toBeNull();
  });

  it('falls back to the status for a missing label, and never takes non-strings as text', () => {
    const event = parseRealtimeEvent(frame({ id: 1, status: 'pending', sn: 5, productName: { x: 1 } }), '');
    expect(event).toMatchObject({ statusLabel: 'pending', sn: '', productName: '' });
  });
});
