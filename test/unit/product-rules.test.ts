import { describe, expect, it } from 'vitest';
import { normalizeTitle, resolveProductAction } from '../../src/products/index.js';

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
      matchedBy: 'member_title',
    });
  });
  it('unknown products issue a one-device license, like the old system', () => {
    expect(resolveProductAction(catalog, { uuid: 'x', title: 'E-book' })).toEqual({
      action: 'license',
      maxDevices: 1,
      validityDays: null,
      onLimit: 'refuse',
      offlineGraceDays: null,
      matchedBy: 'none',
    });
  });
  it('a rule by uuid wins over the title', () => {
    expect(resolveProductAction(catalog, { uuid: 'u-member', title: 'Kelas Pro' })).toEqual({
      action: 'member',
      validityDays: null,
      renewUrl: null,
      matchedBy: 'uuid',
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
      matchedBy: 'title',
    });
  });
  it('a rule carries its overflow policy (refuse unless it says takeover)', () => {
    expect(resolveProductAction(catalog, { uuid: 'u-pro', title: '' })).toMatchObject({ onLimit: 'takeover' });
    expect(resolveProductAction(catalog, { uuid: '', title: 'Kelas Pro' })).toMatchObject({ onLimit: 'refuse' });
  });
  it('titles match regardless of letter case and repeated, leading or trailing spaces', () => {
    for (const title of ['daftar member kei', '  Daftar   Member KEI ', 'DAFTAR MEMBER\tKEI'])
      expect(resolveProductAction(catalog, { uuid: '', title }).action).toBe('member');
    expect(resolveProductAction(catalog, { uuid: '', title: ' kelas  PRO ' })).toMatchObject({ maxDevices: 2 });
    expect(resolveProductAction(catalog, { uuid: '', title: 'Daftar Member KEI 2' }).action).toBe('license');
  });
  it('an empty title matches no title rule', () => {
    expect(resolveProductAction(catalog, { uuid: '', title: '   ' }).matchedBy).toBe('none');
  });
  it('an unknown product whose uuid made members before stays a membership', () => {
    const renamed = { uuid: 'old-member-uuid', title: 'Member KEI 2027' };
    expect(resolveProductAction(catalog, renamed, new Set(['old-member-uuid']))).toEqual({
      action: 'member',
      validityDays: null,
      renewUrl: null,
      matchedBy: 'member_uuid',
    });
    expect(resolveProductAction(catalog, renamed).action).toBe('license');
  });
  it('normalizeTitle folds case, spaces and compatibility spellings', () => {
    expect(normalizeTitle('  Kelas\u00a0 VIP ')).toBe('kelas vip');
    expect(normalizeTitle('ＫＥＬＡＳ')).toBe('kelas');
  });
});
