import { describe, expect, it } from 'vitest';
import { resolveProductAction } from '../../src/products/index.js';

const catalog = {
  memberTitles: ['Daftar Member KEI'],
  rules: [
    { uuid: 'u-member', action: 'member' as const, maxDevices: 1, onLimit: 'refuse' as const },
    { title: 'Kelas Pro', action: 'license' as const, maxDevices: 2, validityDays: 365, onLimit: 'refuse' as const },
    { uuid: 'u-pro', action: 'license' as const, maxDevices: 5, onLimit: 'takeover' as const },
  ],
};

describe('product rules', () => {
  it('the member title registers a member', () => {
    expect(resolveProductAction(catalog, { uuid: 'x', title: 'Daftar Member KEI' })).toEqual({
      action: 'member',
      validityDays: null,
      renewUrl: null,
    });
  });
  it('unknown products issue a one-device license, like the old system', () => {
    expect(resolveProductAction(catalog, { uuid: 'x', title: 'E-book' })).toEqual({
      action: 'license',
      maxDevices: 1,
      validityDays: null,
      onLimit: 'refuse',
      offlineGraceDays: null,
    });
  });
  it('a rule by uuid wins over the title', () => {
    expect(resolveProductAction(catalog, { uuid: 'u-member', title: 'Kelas Pro' })).toEqual({
      action: 'member',
      validityDays: null,
      renewUrl: null,
    });
    expect(resolveProductAction(catalog, { uuid: 'u-pro', title: 'Kelas Pro' })).toMatchObject({ maxDevices: 5 });
  });
  it('a rule by title carries its device limit and validity', () => {
    expect(resolveProductAction(catalog, { uuid: '', title: 'Kelas Pro' })).toEqual({
      action: 'license',
      maxDevices: 2,
      validityDays: 365,
      onLimit: 'refuse',
      offlineGraceDays: null,
    });
  });
  it('a rule carries its overflow policy (refuse unless it says takeover)', () => {
    expect(resolveProductAction(catalog, { uuid: 'u-pro', title: '' })).toMatchObject({ onLimit: 'takeover' });
    expect(resolveProductAction(catalog, { uuid: '', title: 'Kelas Pro' })).toMatchObject({ onLimit: 'refuse' });
  });
  it('titles match exactly', () => {
    expect(resolveProductAction(catalog, { uuid: '', title: 'daftar member kei' }).action).toBe('license');
  });
});
