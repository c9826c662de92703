import { describe, expect, it } from 'vitest';
import { SESSION_ENDED_MESSAGES, sessionEndedMessage } from '../../src/realtime/index.js';

describe('sessionEndedMessage', () => {
  it('names the reason in the old wording', () => {
    expect(sessionEndedMessage('takeover')).toBe('Sesi Anda berakhir karena akun ini digunakan di perangkat lain');
    expect(sessionEndedMessage('logout')).toBe(SESSION_ENDED_MESSAGES.logout);
  });

  it('falls back to a plain message for unknown, missing and inherited names', () => {
    for (const reason of [null, '', 'unknown', 'constructor', '__proto__', 'toString'])
      expect(sessionEndedMessage(reason)).toBe('Sesi Anda telah berakhir.');
  });
});
