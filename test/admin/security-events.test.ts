import { describe, expect, it } from 'vitest';
import { resendRegistration } from '../../src/admin/member-service.js';
import { CLI_ACTOR } from '../../src/audit/index.js';
import { createMemoryBus } from '../../src/realtime/index.js';
import { auditEntries } from '../helpers/admin.js';
import { addMember, linkIn, PASSWORD, TestDevice, tokenOf, USER_AGENTS } from '../helpers/auth.js';
import { DIALECTS, devMailWorker, worldPerTest } from '../helpers/world.js';

const ANI = 'ani@example.com';

describe.each(DIALECTS)('automatic security events in the audit log (%s)', (dialect) => {
  const open = worldPerTest(dialect, (w) => addMember(w, ANI));

  it('a takeover is recorded with the member as actor, their IP and the ended devices', async () => {
    const world = await open();
    const laptop = new TestDevice(world.app, { userAgent: USER_AGENTS.firefoxLinux });
    await laptop.login(ANI, PASSWORD);
    const phone = new TestDevice(world.app, { userAgent: USER_AGENTS.safariIphone, ip: '198.51.100.9' });
    await phone.loginKeepingHere(ANI, PASSWORD);
    const [entry, ...more] = await auditEntries(world, 'session.takeover');
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ actor_type: 'member', actor_label: ANI, ip: '198.51.100.9', target_type: 'member' });
    expect(JSON.parse(entry?.details ?? '{}').endedDevices).toHaveLength(1);
    // A plain login with nothing taken over records nothing.
    await new TestDevice(world.app).login('nobody@example.com', PASSWORD);
    expect(await auditEntries(world, 'session.takeover')).toHaveLength(1);
  });

  it('failed logins over the threshold are recorded once per window, by system, with the IP', async () => {
    const world = await open({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    const guesser = new TestDevice(world.app, { ip: '192.0.2.66' });
    for (let i = 0; i < 6; i++) await guesser.login(ANI, `salah ${i}`);
    const entries = await auditEntries(world, 'login.failures_exceeded');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor_type: 'system',
      ip: '192.0.2.66',
      target_type: 'account',
      target_id: ANI,
    });
    expect(JSON.parse(entries[0]?.details ?? '{}')).toMatchObject({ limit: 'account', max: 3 });
    // Below the threshold: nothing.
    await new TestDevice(world.app, { ip: '192.0.2.1' }).login('budi@example.com', 'salah');
    expect(await auditEntries(world, 'login.failures_exceeded')).toHaveLength(1);
  });

  it('a new password ends every session and the revocation is recorded', async () => {
    const world = await open();
    const id = (await world.database.db.selectFrom('members').select('id').executeTakeFirstOrThrow()).id;
    const laptop = new TestDevice(world.app);
    await laptop.login(ANI, PASSWORD);
    const deps = { db: world.database.db, dialect: world.dialect, runtime: world.runtime, bus: createMemoryBus() };
    await resendRegistration(deps, id, CLI_ACTOR);
    await devMailWorker(world).drain();
    const mail = await world.database.db.selectFrom('mail_outbox').select('text_body').executeTakeFirstOrThrow();
    const link = linkIn(mail.text_body, '/akun/atur-sandi');
    const browser = new TestDevice(world.app);
    const form = await browser.get(link);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const res = await browser.post(
      '/akun/atur-sandi',
      { token: tokenOf(link), password: 'kalimat baru yang panjang', password_confirm: 'kalimat baru yang panjang' },
      { csrf },
    );
    expect(res.statusCode).toBeLessThan(400);
    const entries = await auditEntries(world, 'session.revoke_all');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_type: 'system', target_id: String(id) });
    expect(JSON.parse(entries[0]?.details ?? '{}')).toMatchObject({ reason: 'password_changed' });
  });
});
