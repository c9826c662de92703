import { describe, expect, it } from 'vitest';
import { sharingScore } from '../../src/admin/sharing-service.js';
import { allowanceFrom, ipPrefix } from '../../src/auth/index.js';

describe('ipPrefix keeps the network, never the address', () => {
  it('cuts IPv4 to /24 and IPv6 to /48, IPv4-mapped IPv6 as IPv4', () => {
    expect(ipPrefix('203.0.113.77')).toBe('203.0.113.0/24');
    expect(ipPrefix('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
    expect(ipPrefix('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(ipPrefix('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(ipPrefix('::1')).toBe('0:0:0::/48');
  });
  it('answers null for what is not an address', () => {
    for (const value of [null, undefined, '', 'localhost', '1.2.3'] as const) expect(ipPrefix(value)).toBeNull();
  });
});

describe('allowanceFrom', () => {
  const rule = { limit: 3, windowMs: 1000 };
  it('counts what is left and, at the limit, when the oldest counted event leaves the window', () => {
    expect(allowanceFrom([], rule)).toEqual({ limit: 3, used: 0, remaining: 3, nextAt: null });
    expect(allowanceFrom([10, 20], rule)).toEqual({ limit: 3, used: 2, remaining: 1, nextAt: null });
    expect(allowanceFrom([10, 20, 30], rule)).toEqual({ limit: 3, used: 3, remaining: 0, nextAt: 1010 });
    // Over the limit (the limit was lowered): the next one waits for enough of the oldest to leave.
    expect(allowanceFrom([10, 20, 30, 40], rule).nextAt).toBe(1020);
  });
  it('0 means no limit', () => {
    expect(allowanceFrom([1, 2, 3], { limit: 0, windowMs: 1000 })).toEqual({
      limit: null,
      used: 3,
      remaining: null,
      nextAt: null,
    });
  });
});

describe('sharingScore', () => {
  it('a phone and a laptop on two networks with no takeover score nothing', () => {
    expect(sharingScore({ moves: 0, attempts: 0, devices: 2, ipPrefixes: 2 })).toBe(0);
  });
  it('weighs takeovers 3, refused attempts 2, devices beyond two 2, networks beyond two 1', () => {
    expect(sharingScore({ moves: 1, attempts: 0, devices: 0, ipPrefixes: 0 })).toBe(3);
    expect(sharingScore({ moves: 0, attempts: 1, devices: 0, ipPrefixes: 0 })).toBe(2);
    expect(sharingScore({ moves: 0, attempts: 0, devices: 3, ipPrefixes: 0 })).toBe(2);
    expect(sharingScore({ moves: 0, attempts: 0, devices: 0, ipPrefixes: 3 })).toBe(1);
  });
});
