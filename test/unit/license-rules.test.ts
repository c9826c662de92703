import { describe, expect, it } from 'vitest';
import { parseRealtimeEvent } from '../../src/client/realtime-events.js';
import { LicenseApiLimiter } from '../../src/licenses/api-rate-limit.js';
import { accessEndedMessage, licenseState } from '../../src/licenses/index.js';

describe('license status', () => {
  const now = 1_000_000;
  it('a license without validity days stays active', () => {
    expect(licenseState({ status: 'active', expires_at: null }, now)).toBe('active');
  });
  it('expires exactly at expires_at', () => {
    expect(licenseState({ status: 'active', expires_at: now + 1 }, now)).toBe('active');
    expect(licenseState({ status: 'active', expires_at: now }, now)).toBe('expired');
  });
  it('revocation wins over expiry', () => {
    expect(licenseState({ status: 'revoked', expires_at: now - 1 }, now)).toBe('revoked');
  });
});

describe('license events in the browser client', () => {
  it('parses activation.revoked and license.revoked with their ids', () => {
    const data = JSON.stringify({
      type: 'activation.revoked',
      licenseId: 3,
      activationId: 9,
      reason: 'takeover',
      at: 5,
    });
    expect(parseRealtimeEvent(data, 'activation.revoked')).toEqual({
      type: 'activation.revoked',
      licenseId: 3,
      activationId: 9,
      reason: 'takeover',
      at: 5,
    });
    const revoked = JSON.stringify({ licenseId: 3, reason: 'refund', at: 6, message: 'dicabut' });
    expect(parseRealtimeEvent(revoked, 'license.revoked')).toEqual({
      type: 'license.revoked',
      licenseId: 3,
      reason: 'refund',
      at: 6,
      message: 'dicabut',
    });
  });
  it('drops an event whose ids are missing or not positive integers (it could close the wrong page)', () => {
    for (const ids of [
      {},
      { licenseId: '3', activationId: 9 },
      { licenseId: 3, activationId: 0 },
      { licenseId: 1.5, activationId: 2 },
    ])
      expect(parseRealtimeEvent(JSON.stringify({ type: 'activation.revoked', ...ids }), 'message')).toBeNull();
    expect(parseRealtimeEvent(JSON.stringify({ type: 'license.revoked' }), 'message')).toBeNull();
  });
  it('the closing texts come from one table; unknown reasons get a generic one', () => {
    expect(accessEndedMessage('takeover')).toContain('digunakan di perangkat lain');
    expect(accessEndedMessage('constructor')).toBe('Akses ke produk ini ditutup.');
  });
});

describe('license API limiter (in memory)', () => {
  const limits = { windowMs: 60_000, maxPerIp: 3, maxPerKey: 2 };
  it('counts per IP and per key; the answer names the wait until the window ends', () => {
    const limiter = new LicenseApiLimiter(limits);
    expect(limiter.consume('1.1.1.1', 'K', 0)).toMatchObject({ ok: true });
    expect(limiter.consume('2.2.2.2', 'K', 10_000)).toMatchObject({ ok: true });
    const refused = (retryAfterMs: number, firstRefusals: string[]) => ({
      ok: false,
      code: 'RATE_LIMITED',
      retryAfterMs,
      firstRefusals,
    });
    expect(limiter.consume('3.3.3.3', 'K', 20_000)).toMatchObject(refused(40_000, ['key']));
    // The window's first refusal is named once (the audit log notes each window once, not each request).
    expect(limiter.consume('4.4.4.4', 'K', 30_000)).toMatchObject(refused(30_000, []));
    expect(limiter.consume('1.1.1.1', 'L', 20_000)).toMatchObject({ ok: true });
    expect(limiter.consume('1.1.1.1', 'M', 20_000)).toMatchObject({ ok: true });
    expect(limiter.consume('1.1.1.1', 'N', 20_000)).toMatchObject(refused(40_000, ['ip']));
    expect(limiter.consume('3.3.3.3', 'K', 60_000)).toMatchObject({ ok: true });
  });
  it('forgets ended windows, so idle clients cost no memory', () => {
    const limiter = new LicenseApiLimiter(limits);
    for (let i = 0; i < 100; i++) limiter.consume(`10.0.0.${i}`, `KEY-${i}`, i);
    expect(limiter.size).toBe(200);
    limiter.consume('10.9.9.9', 'LAST', 61_000);
    expect(limiter.size).toBe(2);
  });
});
