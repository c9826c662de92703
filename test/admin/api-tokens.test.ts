import { describe, expect, it } from 'vitest';
import { CLI_ACTOR, listAudit } from '../../src/audit/index.js';
import { createApiToken, listApiTokens, requireApiToken, revokeApiToken } from '../../src/auth/index.js';
import { DIALECTS, worldPerTest } from '../helpers/world.js';

describe.each(DIALECTS)('admin API tokens (%s)', (dialect) => {
  const open = worldPerTest(dialect, async (world) => {
    // A probe route behind the guard; registered before the app is ready (first inject()).
    world.app.get(
      '/probe',
      { preHandler: requireApiToken({ db: world.database.db, runtime: world.runtime }) },
      async (request) => ({
        token: request.apiToken,
      }),
    );
  });

  it('a created token authenticates as Bearer; only its hash and a prefix are stored', async () => {
    const world = await open();
    const created = await createApiToken(
      world.database.db,
      world.runtime,
      { name: 'skrip', createdBy: null },
      CLI_ACTOR,
    );
    expect(created.token).toMatch(/^gbt_[A-Za-z0-9_-]{43}$/);
    const res = await world.app.inject({ url: '/probe', headers: { authorization: `Bearer ${created.token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ token: { id: created.id, name: 'skrip' } });
    const rows = await world.database.db.selectFrom('api_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(created.token.slice(10));
    expect(rows[0]?.last_used_at).toBe(world.runtime.now());
  });

  it('missing, malformed, unknown and revoked tokens get 401 JSON with WWW-Authenticate', async () => {
    const world = await open();
    const created = await createApiToken(world.database.db, world.runtime, { name: 'x', createdBy: null }, CLI_ACTOR);
    expect(await revokeApiToken(world.database.db, world.runtime, created.id, CLI_ACTOR)).toBe(true);
    expect(await revokeApiToken(world.database.db, world.runtime, created.id, CLI_ACTOR)).toBe(false);
    const unknown = `gbt_${'A'.repeat(43)}`;
    for (const authorization of [
      undefined,
      'Bearer',
      `Basic ${created.token}`,
      `Bearer ${unknown}`,
      `Bearer ${created.token}`,
    ]) {
      const res = await world.app.inject({ url: '/probe', headers: authorization ? { authorization } : {} });
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.headers['www-authenticate']).toContain('Bearer');
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('creation and revocation are audited, newest first, without the secret', async () => {
    const world = await open();
    const created = await createApiToken(
      world.database.db,
      world.runtime,
      { name: 'audit-me', createdBy: null },
      CLI_ACTOR,
    );
    world.runtime.advance(1000);
    await revokeApiToken(world.database.db, world.runtime, created.id, CLI_ACTOR);
    const entries = await listAudit(world.database.db);
    expect(entries.map((e) => e.action)).toEqual(['api_token.revoke', 'api_token.create']);
    expect(entries[1]).toMatchObject({
      actor_type: 'cli',
      actor_label: 'cli',
      target_type: 'api_token',
      target_id: String(created.id),
    });
    expect(JSON.stringify(entries)).not.toContain(created.token);
    const [listed] = await listApiTokens(world.database.db);
    expect(listed).toMatchObject({ name: 'audit-me', token_prefix: created.token.slice(0, 10) });
    expect(listed?.revoked_at).not.toBeNull();
  });
});
