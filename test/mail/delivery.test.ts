import { afterEach, describe, expect, it } from 'vitest';
import { devTransport, REDACTED_LINK } from '../../src/mail/index.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { MailWorld } from '../helpers/mail/mail-world.js';
import { MAIL_FROM, openMailWorld } from '../helpers/mail/mail-world.js';
import { DIALECTS } from '../helpers/world.js';

const SET_PASSWORD_LINK = /http:\/\/127\.0\.0\.1:3000(\/akun\/atur-sandi\?token=([A-Za-z0-9_-]+))/;

describe.each(DIALECTS)('mail delivery (%s)', (dialect) => {
  let world: MailWorld;
  afterEach(async () => {
    await world?.close();
  });

  it('a paid cart arrives over SMTP as one mail listing every key, and its outbox row turns sent', async () => {
    world = await openMailWorld(dialect);
    const smtp = await world.smtpServer();
    const body = payment({
      email: 'budi@example.com',
      name: 'Budi Santoso',
      items: [
        { title: 'Template Invoice', uuid: 'p-1', qty: 3, price: 10000 },
        { title: 'Kelas Ekspor', uuid: 'p-2', qty: 2, price: 50000 },
      ],
    });
    expect((await postLynk(world.app, body)).statusCode).toBe(200);
    const worker = world.smtpWorker(smtp.port);

    expect(await worker.drain()).toBe(1);

    const order = await world.database.db.selectFrom('orders').selectAll().executeTakeFirstOrThrow();
    const licenses = await world.database.db.selectFrom('licenses').selectAll().orderBy('id').execute();
    expect(licenses).toHaveLength(5);
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    if (!mail) throw new Error('no mail received');
    expect(mail.envelope).toEqual({ from: 'toko@kei.example', to: ['budi@example.com'] });
    expect(mail.headers.get('from')).toBe(MAIL_FROM);
    expect(mail.headers.get('to')).toBe('budi@example.com');
    expect(mail.subject).toBe(`Pembayaran Berhasil - Order #${order.order_no}`);
    expect(mail.text).toContain('Halo Budi Santoso,');
    for (const license of licenses) {
      expect(mail.text).toContain(`- ${license.product_title}: ${license.license_key}`);
      expect(mail.html).toContain(license.license_key);
    }
    expect(mail.html).toContain('Template Invoice');

    const [row] = await world.outbox();
    expect(row).toMatchObject({
      kind: 'license',
      status: 'sent',
      transport: 'smtp',
      attempts: 1,
      sent_at: world.runtime.now(),
      lease_until: null,
      last_error: null,
      smtp_message_id: mail.headers.get('message-id'),
    });
    // A license mail holds no one-time secret: the outbox keeps exactly what was sent.
    expect(row?.text_body).toBe(mail.text);

    expect(await worker.drain()).toBe(0);
    expect(smtp.received).toHaveLength(1);
  });

  it('the registration mail carries a working one-time link that the SMTP outbox copy hides', async () => {
    world = await openMailWorld(dialect);
    const smtp = await world.smtpServer();
    await postLynk(world.app, payment({ email: 'ani@example.com', items: [{ title: 'Daftar Member KEI' }] }));

    expect(await world.smtpWorker(smtp.port).drain()).toBe(1);

    const order = await world.database.db.selectFrom('orders').selectAll().executeTakeFirstOrThrow();
    const [mail] = smtp.received;
    expect(smtp.received).toHaveLength(1);
    expect(mail?.envelope.to).toEqual(['ani@example.com']);
    expect(mail?.subject).toBe(`Pendaftaran Member Berhasil - Order #${order.order_no}`);
    const link = mail?.text.match(SET_PASSWORD_LINK);
    const [url, path, token] = link ?? [];
    if (!url || !path || !token) throw new Error(`no set-password link in the mail: ${mail?.text}`);
    expect(mail?.html).toContain(`href="${url}"`);

    const [row] = await world.outbox();
    expect(row).toMatchObject({ kind: 'registration', status: 'sent', transport: 'smtp', attempts: 1 });
    for (const stored of [row?.text_body, row?.html_body]) {
      expect(stored).toContain(REDACTED_LINK);
      expect(stored).not.toContain(token);
      expect(stored).not.toContain('atur-sandi?token=');
    }

    const form = await world.app.inject({ url: path });
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Buat kata sandi');
    expect(form.body).toContain('ani@example.com');
  });

  it('with the dev transport the outbox row is the mailbox and keeps the working link', async () => {
    world = await openMailWorld(dialect);
    await postLynk(world.app, payment({ email: 'ani@example.com', items: [{ title: 'Daftar Member KEI' }] }));

    expect(await world.mailWorker(devTransport()).drain()).toBe(1);

    const [row] = await world.outbox();
    expect(row).toMatchObject({ kind: 'registration', status: 'sent', transport: 'dev', attempts: 1 });
    expect(row?.text_body).not.toContain(REDACTED_LINK);
    const path = row?.text_body?.match(SET_PASSWORD_LINK)?.[1];
    if (!path) throw new Error(`no set-password link in the dev mailbox: ${row?.text_body}`);
    expect(row?.html_body).toContain(path);
    const form = await world.app.inject({ url: path });
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('ani@example.com');
  });

  it('customer name and product title from the payload reach the HTML part only escaped', async () => {
    world = await openMailWorld(dialect);
    const smtp = await world.smtpServer();
    const name = '<script>alert(1)</script>';
    const title = 'Kelas <img src=x onerror=alert(1)>';
    await postLynk(world.app, payment({ name, items: [{ title, uuid: 'p-xss' }, { title: 'Daftar Member KEI' }] }));

    expect(await world.smtpWorker(smtp.port).drain()).toBe(2);

    const rows = await world.outbox();
    expect(rows.map((r) => r.kind).sort()).toEqual(['license', 'registration']);
    expect(smtp.received).toHaveLength(2);
    for (const mail of smtp.received) {
      expect(mail.html).not.toContain('<script');
      expect(mail.html).not.toContain('<img');
      expect(mail.html).toContain('Halo &lt;script&gt;alert(1)&lt;/script&gt;,');
      // The text part is plain text: shown as typed, never interpreted.
      expect(mail.text).toContain(`Halo ${name},`);
    }
    const license = smtp.received.find((m) => m.subject.startsWith('Pembayaran Berhasil'));
    expect(license?.html).toContain('Kelas &lt;img src=x onerror=alert(1)&gt;');
    expect(license?.text).toContain(`- ${title}: `);
    for (const row of rows) {
      expect(row.html_body).not.toContain('<script');
      expect(row.html_body).not.toContain('<img');
    }
  });
});
