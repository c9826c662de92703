import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLicenses } from '../../src/licenses/index.js';
import { listMembers } from '../../src/members/index.js';
import { payment, postLynk } from '../helpers/lynk.js';
import type { World } from '../helpers/world.js';
import { createWorld, DIALECTS } from '../helpers/world.js';

describe.each(DIALECTS)('operator search (%s)', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
    await postLynk(
      world.app,
      payment({ email: 'wulan@example.com', name: 'Wulan Sari', items: [{ title: 'Daftar Member KEI' }] }),
    );
    await postLynk(
      world.app,
      // A buyer of licenses has an account too (findable in the console); another phone number.
      payment({ email: 'budi@example.com', phone: '089900001111', items: [{ title: 'Kelas Ekspor Pro', uuid: 'k' }] }),
    );
  });
  afterAll(async () => {
    await world?.close();
  });

  it('finds members by name, email or phone, ignoring case', async () => {
    for (const term of ['Wulan', 'wulan', 'SARI', 'WULAN@EXAMPLE', '0812345'])
      expect((await listMembers(world.database.db, { search: term })).map((m) => m.email)).toEqual([
        'wulan@example.com',
      ]);
    expect(await listMembers(world.database.db, { search: 'tidak-ada' })).toEqual([]);
  });

  it('finds licenses by key, email or product, ignoring case', async () => {
    const [license] = await listLicenses(world.database.db);
    if (!license) throw new Error('no license issued');
    for (const term of [license.license_key.toLowerCase(), 'BUDI@', 'kelas ekspor']) {
      expect((await listLicenses(world.database.db, { search: term })).map((l) => l.id)).toEqual([license.id]);
    }
    expect(await listLicenses(world.database.db, { search: 'wulan' })).toEqual([]);
  });
});
