import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { OutgoingMail } from '../../src/mail/index.js';
import { MailWorker } from '../../src/mail/index.js';
import { linkIssuer } from '../../src/members/index.js';
import { brandReader } from '../../src/web/brand.js';
import { multipartBody } from '../content/content-world.js';
import { addAdmin, auditEntries, csrfOf, signInAdmin } from '../helpers/admin.js';
import { cookieHeader } from '../helpers/auth.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, devMailWorker, worldPerTest } from '../helpers/world.js';

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
]);

describe.each(DIALECTS)('the store brand (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect, async (w) => {
    await addAdmin(w);
  });
  const open = async () => {
    world = await openWorld();
    const admin = await signInAdmin(world);
    const page = await admin.get('/admin/toko');
    expect(page.statusCode).toBe(200);
    return { admin, csrf: csrfOf(page.body) };
  };
  const brandForm = {
    storeName: '  Toko   Ani  ',
    primaryColor: '#AA3300',
    mailFromName: 'Toko Ani',
    replyTo: 'halo@toko-ani.example',
    footerText: 'WhatsApp 0812-0000-1111 · Senin–Jumat 09.00–17.00',
  };

  it('before any setting, pages look like Gerbang and / shows no webhook URL', async () => {
    world = await openWorld();
    const home = await world.app.inject({ method: 'GET', url: '/' });
    expect(home.body).toContain('<title>Gerbang · Gerbang</title>');
    expect(home.body).not.toContain('/webhook/lynk');
    expect(home.body).not.toContain('brand.css');
    expect(home.body).not.toContain('<!--brand');
  });

  it('a saved brand shows on every page: title, header, colour, footer; audited', async () => {
    const { admin, csrf } = await open();
    const saved = await admin.post('/admin/toko', brandForm, { csrf });
    expect(saved.statusCode).toBe(303);
    const home = await world.app.inject({ method: 'GET', url: '/' });
    expect(home.body).toContain('<title>Toko Ani · Toko Ani</title>');
    expect(home.body).toContain('<h1 id="store-name">Toko Ani</h1>');
    expect(home.body).toContain('<footer class="store-footer">WhatsApp 0812-0000-1111');
    const css = /href="(\/assets\/brand\.css\?v=\d+)"/.exec(home.body)?.[1] ?? '';
    expect((await world.app.inject({ method: 'GET', url: css })).body).toBe(':root{--primary:#aa3300}\n');
    const login = await world.app.inject({ method: 'GET', url: '/login' });
    expect(login.body).toContain('<header class="store"><b>Toko Ani</b></header>');
    expect((await admin.get('/admin')).body).toContain('<strong class="brand">Toko Ani · Admin</strong>');
    const [entry] = await auditEntries(world, 'store.update');
    expect(JSON.parse(entry?.details ?? '{}')).toMatchObject({ storeName: 'Toko Ani', primaryColor: '#aa3300' });
  });

  it('refuses a bad colour or reply-to without changing anything', async () => {
    const { admin, csrf } = await open();
    const bad = await admin.post('/admin/toko', { ...brandForm, primaryColor: 'red' }, { csrf });
    expect(bad.statusCode).toBe(400);
    const badMail = await admin.post('/admin/toko', { ...brandForm, replyTo: 'bukan email' }, { csrf });
    expect(badMail.statusCode).toBe(400);
    expect(await world.database.db.selectFrom('store_settings').selectAll().execute()).toEqual([]);
  });

  it('a logo is an image by its bytes, at most 200 KB, served and removable', async () => {
    const { admin, csrf } = await open();
    const upload = (data: Buffer, filename = 'logo.png') => {
      const { payload, contentType } = multipartBody([['_csrf', csrf]], { filename, type: 'image/png', data }, 'logo');
      return world.app.inject({
        method: 'POST',
        url: '/admin/toko/logo',
        payload,
        remoteAddress: admin.options.ip ?? '127.0.0.1',
        headers: { 'content-type': contentType, accept: 'text/html', cookie: cookieHeader(admin.cookies) },
      });
    };
    expect((await upload(Buffer.from('<svg onload="alert(1)"/>'), 'logo.svg')).statusCode).toBe(400);
    expect((await upload(Buffer.concat([PNG, Buffer.alloc(210 * 1024)]))).statusCode).toBe(413);
    expect((await upload(PNG)).statusCode).toBe(303);
    const logo = await world.app.inject({ method: 'GET', url: '/assets/logo' });
    expect(logo.headers['content-type']).toBe('image/png');
    expect(logo.rawPayload.equals(PNG)).toBe(true);
    expect((await world.app.inject({ method: 'GET', url: '/login' })).body).toMatch(/<img src="\/assets\/logo\?v=\d+"/);
    const page = await admin.get('/admin/toko');
    expect((await admin.post('/admin/toko/logo/hapus', {}, { csrf: csrfOf(page.body) })).statusCode).toBe(303);
    expect((await world.app.inject({ method: 'GET', url: '/assets/logo' })).statusCode).toBe(404);
    expect((await auditEntries(world)).map((a) => a.action).filter((a) => a.startsWith('store.'))).toEqual([
      'store.logo',
      'store.logo_remove',
    ]);
  });

  it("mail goes out under the store's sender name and reply-to, with its name and footer", async () => {
    const { admin, csrf } = await open();
    await admin.post('/admin/toko', brandForm, { csrf });
    await postLynk(world.app, payment({ email: 'budi@example.com' }));
    const sent: OutgoingMail[] = [];
    const worker = new MailWorker({
      db: world.database.db,
      dialect: world.database.dialect,
      config: world.config,
      runtime: world.runtime,
      transport: {
        kind: 'smtp',
        send: async (mail) => {
          sent.push(mail);
          return { messageId: null };
        },
        close: () => {},
      },
      log: pino({ level: 'silent' }),
      issueLink: linkIssuer(world.runtime),
      brand: brandReader(world.database.db),
    });
    await worker.drain();
    expect(sent).toHaveLength(1);
    const mail = sent[0] as OutgoingMail;
    expect(mail.from).toMatch(/^"Toko Ani" <[^<>]+@[^<>]+>$/);
    expect(mail.replyTo).toBe('halo@toko-ani.example');
    expect(mail.html).toContain('>Toko Ani</p>');
    expect(mail.html).toContain('WhatsApp 0812-0000-1111');
    expect(mail.html).not.toContain('<!--brand');
    expect(mail.text).toContain('\n--\nToko Ani\nWhatsApp 0812-0000-1111');
  });

  it('the dev mailbox (delivering inside one transaction) keeps the branded mail, without waiting on itself', async () => {
    const { admin, csrf } = await open();
    await admin.post('/admin/toko', brandForm, { csrf });
    await postLynk(world.app, payment({ email: 'budi@example.com' }));
    const worker = devMailWorker(world, { brand: brandReader(world.database.db) });
    expect(await worker.drain()).toBe(1);
    const mail = await world.database.db.selectFrom('mail_outbox').select(['status', 'html_body']).executeTakeFirst();
    expect(mail?.status).toBe('sent');
    expect(mail?.html_body).toContain('WhatsApp 0812-0000-1111');
  });
});
