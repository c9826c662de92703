import { describe, expect, it } from 'vitest';
import { createAdmin } from '../../src/admin/index.js';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { canonicalEmail, EMAIL_CHARACTERS_REFUSED, findMemberByEmail } from '../../src/members/index.js';
import { addAdmin, csrfOf, signInAdmin } from '../helpers/admin.js';
import { addMember, PASSWORD, TestDevice } from '../helpers/auth.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

/** Addresses that fold (lower case, NFKC) or look like plain ones such as kelvin@example.com: other mailboxes. */
const LOOKALIKES = [
  ['the Kelvin sign (U+212A)', '\u212Aelvin@example.com'],
  ['a fullwidth letter', '\uFF4Belvin@example.com'],
  ['a ligature (U+FB01)', '\uFB01ona@example.com'],
  ['a dotted capital I (U+0130)', 'k\u0130lvin@example.com'],
  ['a zero-width space', 'kel\u200Bvin@example.com'],
] as const;

describe('canonicalEmail', () => {
  it('lower-cases and trims plain addresses, keeps internationalised ones, refuses compatibility characters', () => {
    expect(canonicalEmail('  Kelvin@Example.COM ')).toEqual({ ok: true, email: 'kelvin@example.com' });
    expect(canonicalEmail('JOSÉ@example.com')).toEqual({ ok: true, email: 'josé@example.com' });
    for (const [, address] of LOOKALIKES)
      expect(canonicalEmail(address), address).toEqual({ ok: false, message: EMAIL_CHARACTERS_REFUSED });
  });
});

describe.each(DIALECTS)('an email written with compatibility characters is refused, never folded (%s)', (dialect) => {
  let world: World;
  const openWorld = worldPerTest(dialect, async (w) => {
    await addAdmin(w);
    await addMember(w, 'kelvin@example.com');
    await addMember(w, 'fiona@example.com');
  });
  const open = async () => (world = await openWorld());
  const db = () => world.database.db;
  const count = async (table: 'members' | 'mail_outbox' | 'licenses' | 'sessions') =>
    (await db().selectFrom(table).select('id').execute()).length;

  it.each(LOOKALIKES)('login with %s: 400 with the reason, even with the right password', async (_, address) => {
    await open();
    const browser = new TestDevice(world.app);
    const page = await browser.login(address, PASSWORD);
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('Alamat email memakai karakter khusus');
    const json = await browser.post('/login', { email: address, password: PASSWORD }, { accept: 'application/json' });
    expect(json.statusCode).toBe(400);
    expect(json.json().error).toMatchObject({ code: 'BAD_REQUEST', message: EMAIL_CHARACTERS_REFUSED });
    expect(await count('sessions')).toBe(0);
    expect(await findMemberByEmail(db(), address)).toBeUndefined();
  });

  it('a login-link request for a lookalike: 400 with the reason, no mail to the real address', async () => {
    await open();
    const res = await new TestDevice(world.app).post('/login/tautan/kirim', { email: '\u212Aelvin@example.com' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Alamat email memakai karakter khusus');
    expect(await count('mail_outbox')).toBe(0);
  });

  it('a Lynk payment for a lookalike is stored as failed with the reason; nothing reaches the real account', async () => {
    await open();
    const body = payment({
      email: '\u212Aelvin@example.com',
      items: [{ title: 'Daftar Member KEI' }, { title: 'E-book Ekspor', qty: 2 }],
    });
    const res = await postLynk(world.app, body);
    expect(res.json()).toMatchObject({ outcome: 'failed' });
    const event = await db().selectFrom('webhook_events').selectAll().executeTakeFirstOrThrow();
    expect(event.error_code).toBe('INVALID_PAYMENT');
    expect(event.error_message).toContain('Alamat email memakai karakter khusus');
    expect([await count('members'), await count('licenses'), await count('mail_outbox')]).toEqual([3, 0, 0]);
  });

  it('the console refuses to create a member with a lookalike address, with the reason', async () => {
    await open();
    const admin = await signInAdmin(world);
    const page = await admin.get('/admin/member');
    const res = await admin.post('/admin/member', { email: '\uFB01ona@example.com' }, { csrf: csrfOf(page.body) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Alamat email memakai karakter khusus');
    expect(await count('members')).toBe(3);
  });

  it('an admin (setup page or gerbang admin create) cannot be created with a lookalike address', async () => {
    await open();
    const result = await createAdmin(
      db(),
      world.runtime,
      { email: '\u212Aelvin@example.com', password: 'kalimat admin yang sangat panjang', firstRun: false },
      () => CLI_ACTOR,
    );
    expect(result).toEqual({ ok: false, code: 'INVALID_EMAIL', message: EMAIL_CHARACTERS_REFUSED });
    expect(await count('members')).toBe(3);
  });
});
