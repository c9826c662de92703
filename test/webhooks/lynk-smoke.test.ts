import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS } from '../helpers/world.js';

describe.each(DIALECTS)('smoke (%s)', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
  });
  afterAll(async () => {
    await world.close();
  });
  it('a signed payment issues a license', async () => {
    const res = await postLynk(world.app, payment());
    expect(res.statusCode).toBe(200);
    const rows = await world.database.db.selectFrom('licenses').selectAll().execute();
    expect(rows).toHaveLength(1);
  });
});
