import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, addAdmin } from '../helpers/admin.js';
import { choosePassword, PASSWORD } from '../helpers/auth.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { hesdaEnv, postHesda, seedTransaction, update } from '../helpers/hesda.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { MailWorld } from '../helpers/mail/mail-world.js';
import { openMailWorld } from '../helpers/mail/mail-world.js';
import type { SmtpSink } from '../helpers/mail/smtp-sink.js';

const MEMBER = 'korban@example.com';
/** Each payload calls __xss (defined by the probe) or alert(): either shows that script ran. */
const NAME = `Budi <script>__xss('name-script')</script><img src=x onerror="__xss('name-img')">"><svg onload="__xss('name-svg')">`;
const TITLES = [
  `<script>__xss('title-script')</script>Kelas A`,
  `<img src=x onerror=alert('title-img')>Kelas B`,
  `"><svg onload="__xss('title-svg')">Kelas C`,
  `javascript:__xss('title-js')`,
  `' onmouseover='__xss(1)' autofocus onfocus='__xss(2)' x='Kelas E`,
];
const PPOB = { name: `<img src=x onerror="__xss('ppob-name')">Pulsa`, message: `"><script>__xss('ppob-msg')</script>` };

/**
 * Runs before any page script: records calls of __xss, dialogs (alert) and CSP violation reports.
 * A violation would mean markup from a payload reached the page (and only CSP stopped it).
 */
const PROBE = `window.__hits = []; window.__xss = (id) => window.__hits.push(String(id));
document.addEventListener('securitypolicyviolation', (e) => window.__hits.push('csp:' + e.violatedDirective));`;

/**
 * Customer names, product titles and PPOB texts with HTML and script in them arrive through signed
 * Lynk and Hesda webhooks and are then viewed in a real Chromium: member pages, every console page
 * that shows them, the mail preview, and the mails as the SMTP server received them. Proves the
 * auto-escaping templates (src/web/html.ts), textContent in the live client, and the CSP as a
 * second wall: no script runs, no handler attribute or inline script exists, the text is literal.
 */
describe('hostile names and titles in a real browser', () => {
  let world: MailWorld;
  let sink: SmtpSink;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    world = await openMailWorld('sqlite', hesdaEnv(null));
    sink = await world.smtpServer();
    base = await world.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    const register = payment({
      email: MEMBER,
      name: NAME,
      items: [{ title: 'Daftar Member KEI', uuid: 'reg', qty: 1, price: 1 }],
    });
    expect((await postLynk(world.app, register)).json().outcome).toBe('processed');
    const items = TITLES.map((title, i) => ({ title, uuid: `hostile-${i}`, qty: 1, price: 1000 }));
    expect((await postLynk(world.app, payment({ email: MEMBER, name: NAME, items }))).json().outcome).toBe('processed');
    await choosePassword(world, MEMBER);
    await addAdmin(world);
    await world.smtpWorker(sink.port).drain();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await world?.close();
  });

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ locale: 'id-ID' });
    contexts.push(context);
    await context.addInitScript(PROBE);
    const page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    return page;
  };
  /** The member's one browser (a second one would meet the one-device dialog). */
  let memberPage: Page | undefined;
  const signIn = async (email: string) => {
    const page = await newPage();
    await page.goto(`${base}/login`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('#formLogin button[type=submit]');
    await page.waitForLoadState('load');
    return page;
  };

  /** No script ran, no markup from a payload exists, and every expected text is on the page as typed. */
  const expectInert = async (page: Page, label: string, texts: readonly string[] = []) => {
    await page.waitForLoadState('load');
    const found = await page.evaluate(() => ({
      hits: (window as unknown as { __hits: string[] }).__hits,
      handlers: [...document.querySelectorAll('*')].flatMap((el) =>
        [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${el.tagName}[${a.name}]`),
      ),
      inlineScripts: document.querySelectorAll('script:not([src])').length,
      svgs: document.querySelectorAll('svg').length,
      jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
      text: document.body.textContent ?? '',
    }));
    expect({ label, hits: found.hits, dialogs }).toEqual({ label, hits: [], dialogs: [] });
    expect({
      label,
      handlers: found.handlers,
      inline: found.inlineScripts,
      svgs: found.svgs,
      js: found.jsLinks,
    }).toEqual({
      label,
      handlers: [],
      inline: 0,
      svgs: 0,
      js: 0,
    });
    for (const text of texts) expect(found.text, `${label} shows ${text} literally`).toContain(text);
  };

  it('member pages show the name and titles literally, and no script runs', async () => {
    const page = await signIn(MEMBER);
    memberPage = page;
    expect(await page.locator('h1').textContent()).toBe(`Halo, ${NAME}`);
    await expectInert(page, '/member', [NAME]);
    await page.goto(`${base}/member/lisensi`);
    await expectInert(page, '/member/lisensi', TITLES);
    await screenshot(page, 'hostile-member-licenses');
    const licenses = await world.database.db.selectFrom('licenses').select(['id', 'product_title']).execute();
    expect(licenses).toHaveLength(TITLES.length);
    for (const license of licenses) {
      await page.goto(`${base}/member/produk/${license.id}`);
      expect(await page.locator('h1').textContent()).toBe(license.product_title);
      await expectInert(page, `/member/produk/${license.id}`, [license.product_title]);
    }
  });

  it('a PPOB status with markup, pushed live and then rendered by the server, stays text', async () => {
    const member = await world.database.db
      .selectFrom('members')
      .select('id')
      .where('email', '=', MEMBER)
      .executeTakeFirstOrThrow();
    const tx = await seedTransaction(world, 'HSD-HOSTILE', member.id);
    await world.database.db
      .updateTable('ppob_transactions')
      .set({ product_name: '' })
      .where('id', '=', tx.id)
      .execute();
    const page = memberPage ?? (await signIn(MEMBER));
    await page.goto(`${base}/member/transaksi`);
    await page.waitForFunction(() => document.body.dataset.realtime === 'open', undefined, { timeout: 10_000 });
    const report = update('HSD-HOSTILE', 'success', {
      product_name: PPOB.name,
      message: PPOB.message,
      sn: PPOB.message,
    });
    expect((await postHesda(world.app, report)).statusCode).toBe(200);
    const row = page.locator(`tr[data-transaction-id="${tx.id}"]`);
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('success');
    expect(await row.locator('.tx-message').textContent()).toBe(PPOB.message);
    await expectInert(page, '/member/transaksi (live)', [PPOB.message]);
    await page.reload();
    expect(await row.locator('.tx-product').textContent()).toBe(PPOB.name);
    await expectInert(page, '/member/transaksi', [PPOB.name, PPOB.message]);
    await screenshot(page, 'hostile-member-transactions');
  });

  it('every console page that shows them shows them literally, and no script runs', async () => {
    const page = await signIn(ADMIN);
    expect(new URL(page.url()).pathname).toBe('/admin');
    const member = await world.database.db
      .selectFrom('members')
      .select('id')
      .where('email', '=', MEMBER)
      .executeTakeFirstOrThrow();
    const license = await world.database.db.selectFrom('licenses').select('id').orderBy('id').executeTakeFirstOrThrow();
    const mail = await world.database.db
      .selectFrom('mail_outbox')
      .select('id')
      .where('kind', '=', 'license')
      .executeTakeFirstOrThrow();
    const tx = await world.database.db.selectFrom('ppob_transactions').select('id').executeTakeFirstOrThrow();
    const event = await world.database.db
      .selectFrom('webhook_events')
      .select('id')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    // The raw body shows the JSON as received, so its strings appear JSON-escaped.
    const raw = (s: string) => JSON.stringify(s).slice(1, -1);
    const visits: [string, string[]][] = [
      ['/admin', []],
      ['/admin/member', [NAME]],
      [`/admin/member?q=${encodeURIComponent(TITLES[4] ?? '')}`, []],
      [`/admin/member/${member.id}`, [NAME]],
      ['/admin/lisensi', [TITLES[0] ?? '']],
      [`/admin/lisensi/${license.id}`, [TITLES[0] ?? '']],
      ['/admin/webhook', []],
      [`/admin/webhook/${event.id}`, [raw(NAME)]],
      ['/admin/email', []],
      [`/admin/email/${mail.id}`, []],
      ['/admin/ppob', [PPOB.name]],
      [`/admin/ppob/${tx.id}`, [PPOB.name, PPOB.message]],
      ['/admin/audit', []],
    ];
    for (const [path, texts] of visits) {
      const res = await page.goto(`${base}${path}`);
      expect([path, res?.status()]).toEqual([path, 200]);
      await expectInert(page, path, texts);
    }
    // A query reflected into the search box stays the box's value (no attribute breakout).
    await page.goto(`${base}/admin/member?q=${encodeURIComponent(TITLES[4] ?? '')}`);
    expect(await page.inputValue('#q')).toBe(TITLES[4]);

    // The mail preview: the sandboxed frame shows the mail's text literally.
    await page.goto(`${base}/admin/email/${mail.id}`);
    const frame = page.frameLocator('#mail-frame');
    await expect.poll(() => frame.locator('body').textContent(), { timeout: 10_000 }).toContain(TITLES[1]);
    expect(await frame.locator('body').textContent()).toContain(NAME);
    await expectInert(page, 'mail preview page');
    await screenshot(page, 'hostile-admin-mail-preview');
    await page.goto(`${base}/admin/member/${member.id}`);
    await screenshot(page, 'hostile-admin-member');
  });

  it('the mails as the SMTP server received them: the HTML part opened in the browser runs nothing', async () => {
    expect(sink.received.map((m) => m.envelope.to)).toEqual([[MEMBER], [MEMBER]]);
    for (const mail of sink.received) {
      expect(mail.text).toContain(NAME);
      // Opened as a document of its own with no CSP at all: only the escaping stands between.
      const page = await newPage();
      await page.setContent(mail.html, { waitUntil: 'load' });
      await expectInert(page, `mail ${mail.subject}`, [`Halo ${NAME},`]);
      if (mail.html.includes('Kelas')) {
        await expectInert(page, 'license mail', TITLES);
        await screenshot(page, 'hostile-license-mail');
      }
    }
  });
});
