import { describe, expect, it } from 'vitest';
import { createAdmin } from '../../src/admin/index.js';
import { ADMIN, auditEntries, csrfOf } from '../helpers/admin.js';
import { location, TestDevice } from '../helpers/auth.js';
import { createWorkspace, runGerbang } from '../helpers/gerbang-process.js';
import type { World } from '../helpers/world.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

const STRONG = 'teh manis di warung pojok';

describe.each(DIALECTS)('first-run setup (%s)', (dialect) => {
  const open = worldPerTest(dialect);
  const admins = (world: World) =>
    world.database.db.selectFrom('members').select(['id', 'email']).where('role', '=', 'admin').execute();
  const setup = async (world: World, form: Record<string, string>, device = new TestDevice(world.app)) => {
    const page = await device.get('/setup');
    return device.post('/setup', form, { csrf: csrfOf(page.body) });
  };

  it('with no admin, / leads to the setup page; the first admin is created, audited, and the page is gone', async () => {
    const world = await open();
    const home = await new TestDevice(world.app).get('/');
    expect([home.statusCode, location(home)]).toEqual([303, '/setup']);
    const device = new TestDevice(world.app, { ip: '198.51.100.4' });
    const res = await setup(
      world,
      { email: 'Pemilik@Toko.Example', password: STRONG, password_confirm: STRONG },
      device,
    );
    // The new admin is signed in on the spot and lands in the console.
    expect([res.statusCode, location(res)]).toEqual([303, '/admin']);
    expect((await device.get('/admin')).statusCode).toBe(200);
    const [admin] = await admins(world);
    expect(admin?.email).toBe('pemilik@toko.example');
    expect(await auditEntries(world, 'admin.setup')).toEqual([
      expect.objectContaining({
        actor_type: 'admin',
        actor_id: admin?.id,
        ip: '198.51.100.4',
        target_id: String(admin?.id),
      }),
    ]);

    expect((await new TestDevice(world.app).get('/setup')).statusCode).toBe(404);
    const again = await device.post('/setup', { email: 'b@toko.example', password: STRONG, password_confirm: STRONG });
    expect(again.statusCode).toBe(404);
    expect((await new TestDevice(world.app).get('/')).statusCode).toBe(200);
    expect(await admins(world)).toHaveLength(1);

    // The new admin signs in on the normal login page and lands in the console.
    const login = await new TestDevice(world.app).login('pemilik@toko.example', STRONG);
    expect(location(login)).toBe('/admin');
  });

  it.each([
    ['too short', 'pendek123'],
    ['a common password', 'password123456'],
    ['built on the email', 'pemilik-pemilik-2026'],
    ['one repeated character', 'aaaaaaaaaaaaaa'],
  ])('a weak password (%s) is refused and creates nothing', async (_name, password) => {
    const world = await open();
    const res = await setup(world, { email: 'pemilik@toko.example', password, password_confirm: password });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('id="setup-error"');
    expect(await admins(world)).toEqual([]);
    expect((await new TestDevice(world.app).get('/setup')).statusCode).toBe(200);
  });

  it('mismatched passwords and a missing CSRF token are refused', async () => {
    const world = await open();
    const mismatch = await setup(world, { email: ADMIN, password: STRONG, password_confirm: `${STRONG}!` });
    expect(mismatch.statusCode).toBe(400);
    const device = new TestDevice(world.app);
    const noCsrf = await device.post(
      '/setup',
      { email: ADMIN, password: STRONG, password_confirm: STRONG },
      { csrf: null },
    );
    expect(noCsrf.statusCode).toBe(403);
    expect(await admins(world)).toEqual([]);
  });

  it('two setups racing: exactly one wins, the other creates nothing', async () => {
    const world = await open();
    const actor = (id: number, label: string) => ({ type: 'admin' as const, id, label, ip: null });
    const results = await Promise.all(
      ['satu', 'dua', 'tiga', 'empat'].map((name) =>
        createAdmin(
          world.database.db,
          world.runtime,
          { email: `${name}@toko.example`, password: STRONG, firstRun: true },
          actor,
        ),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual([
      'SETUP_DONE',
      'SETUP_DONE',
      'SETUP_DONE',
    ]);
    expect(await admins(world)).toHaveLength(1);
    expect(await auditEntries(world, 'admin.setup')).toHaveLength(1);
  });

  it('two setup forms posted at once over HTTP: one admin', async () => {
    const world = await open();
    const a = new TestDevice(world.app);
    const b = new TestDevice(world.app);
    const [pa, pb] = [await a.get('/setup'), await b.get('/setup')];
    const [ra, rb] = await Promise.all([
      a.post(
        '/setup',
        { email: 'a@toko.example', password: STRONG, password_confirm: STRONG },
        { csrf: csrfOf(pa.body) },
      ),
      b.post(
        '/setup',
        { email: 'b@toko.example', password: STRONG, password_confirm: STRONG },
        { csrf: csrfOf(pb.body) },
      ),
    ]);
    expect([ra.statusCode, rb.statusCode].sort()).toEqual([303, 404]);
    expect(await admins(world)).toHaveLength(1);
  });

  it('an admin is not held to MAX_DEVICES_PER_MEMBER; ADMIN_MAX_DEVICES limits them when set', async () => {
    const world = await open();
    await setup(world, { email: ADMIN, password: STRONG, password_confirm: STRONG });
    for (let i = 0; i < 3; i++) expect(location(await new TestDevice(world.app).login(ADMIN, STRONG))).toBe('/admin');
    const live = await world.database.db.selectFrom('sessions').select('id').where('revoked_at', 'is', null).execute();
    // Three logins and the session the setup page opened.
    expect(live).toHaveLength(4);
  });

  it('with ADMIN_MAX_DEVICES=1 a second device of the admin gets the conflict dialog', async () => {
    const world = await open({ ADMIN_MAX_DEVICES: '1' });
    // The browser that ran the setup holds the one allowed session.
    await setup(world, { email: ADMIN, password: STRONG, password_confirm: STRONG });
    expect((await new TestDevice(world.app).login(ADMIN, STRONG)).statusCode).toBe(409);
  });
});

describe('gerbang admin create', () => {
  it('reads the password from stdin, refuses a weak one, and ends the first-run page', async () => {
    const ws = await createWorkspace('sqlite');
    try {
      expect((await ws.run(['migrate', '--create'])).code).toBe(0);
      const weak = await runGerbang(['admin', 'create', '--email', ADMIN, '--password-stdin'], {
        env: ws.env,
        cwd: ws.dir,
        input: 'rahasia\n',
      });
      expect(weak.code).toBe(1);
      expect(weak.stderr).toContain('minimal');
      const noStdin = await runGerbang(['admin', 'create', '--email', ADMIN], { env: ws.env, cwd: ws.dir, input: '' });
      expect(noStdin.code).toBe(2);
      expect(noStdin.stderr).toContain('--password-stdin');
      const made = await runGerbang(['admin', 'create', '--email', ADMIN, '--password-stdin', '--json'], {
        env: ws.env,
        cwd: ws.dir,
        input: `${STRONG}\n`,
      });
      expect(made.code, made.stderr).toBe(0);
      expect(JSON.parse(made.stdout)).toMatchObject({ email: ADMIN });
      expect(made.stdout).not.toContain(STRONG);
      const twice = await runGerbang(['admin', 'create', '--email', ADMIN, '--password-stdin'], {
        env: ws.env,
        cwd: ws.dir,
        input: STRONG,
      });
      expect(twice.code).toBe(1);
      expect(twice.stderr).toContain('sudah dipakai');

      // The server sees an admin: no setup page, and the admin signs in with the piped password.
      const server = await ws.serve();
      const setup = await fetch(`${server.url}/setup`, { headers: { accept: 'text/html' } });
      expect(setup.status).toBe(404);
      const home = await fetch(`${server.url}/`, { redirect: 'manual' });
      expect(home.status).toBe(200);
      await server.stop();
    } finally {
      await ws.close();
    }
  });
});
