import { afterEach, describe, expect, it } from 'vitest';
import { addAdmin, signInAdmin } from '../helpers/admin.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

/** A shop whose mail does not leave the server says so on the console, where the seller looks. */
describe('console notices about mail', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it.each([
    [{ MAIL_TRANSPORT: 'none' }, 'MAIL_TRANSPORT=none'],
    [{ MAIL_PAUSED: '1' }, 'MAIL_PAUSED'],
  ])('with %o the overview and the mail page carry a warning', async (env, words) => {
    world = await createWorld('sqlite', env);
    await addAdmin(world);
    const admin = await signInAdmin(world);
    for (const path of ['/admin', '/admin/email']) {
      const page = await admin.get(path);
      expect(page.statusCode).toBe(200);
      expect(page.body).toMatch(new RegExp(`<p class="error" role="alert" id="mail-warning">[^<]*${words}`));
    }
  });

  it('with mail going out normally there is no warning', async () => {
    world = await createWorld('sqlite');
    await addAdmin(world);
    const admin = await signInAdmin(world);
    expect((await admin.get('/admin')).body).not.toContain('mail-warning');
  });
});
