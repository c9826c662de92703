import { describe, expect, it } from 'vitest';
import type { RegistrationMailParams } from '../../src/mail/outbox.js';
import { registrationMailSubject, renderRegistrationMail } from '../../src/mail/templates/registration.js';

const links = {
  setPasswordUrl: 'https://toko.example/atur-sandi/abc',
  validHours: 48,
  loginUrl: 'https://toko.example/login',
  loginLinkUrl: 'https://toko.example/login/tautan/xyz',
  loginLinkMinutes: 15,
};
const params = (orderNo: string): RegistrationMailParams => ({
  kind: 'registration',
  memberId: 7,
  orderNo,
  name: 'Sari',
  email: 'sari@example.com',
  passwordPolicy: 'random',
});

describe('the registration mail names an order only when there is one', () => {
  it('a buyer of an order: the subject and the mail carry its number', () => {
    expect(registrationMailSubject(params('ORD-2026-0001'))).toBe('Pendaftaran Member Berhasil - Order #ORD-2026-0001');
    const mail = renderRegistrationMail(params('ORD-2026-0001'), links);
    expect(mail.text).toContain('Order: ORD-2026-0001');
    expect(mail.html).toContain('Order: ORD-2026-0001');
  });

  it('a member the seller made by hand ("-", as older queued mails say): no "Order #-" anywhere', () => {
    for (const none of ['-', '']) {
      expect(registrationMailSubject(params(none))).toBe('Pendaftaran Member Berhasil');
      const mail = renderRegistrationMail(params(none), links);
      expect(mail.text).not.toContain('Order');
      expect(mail.html).not.toContain('Order');
      expect(mail.text).toContain(links.setPasswordUrl);
    }
    expect(registrationMailSubject({ ...params('-'), repeatPurchase: true })).toBe('Pembelian Member Berhasil');
  });
});
