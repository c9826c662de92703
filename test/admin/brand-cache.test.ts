import { afterEach, describe, expect, it } from 'vitest';
import { BrandCache, DEFAULT_BRAND, saveBrand } from '../../src/web/brand.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

/** Pages read the brand on every answer: once it is known, the database must never hold a page up. */
describe('the brand cache', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('answers a stale brand at once while it re-reads, and keeps it when the database fails', async () => {
    world = await createWorld('sqlite');
    const { db } = world.database;
    let now = 1_000_000;
    const cache = new BrandCache(db, () => now, 5_000);
    await saveBrand(db, { storeName: 'Toko Ani' }, now);
    expect((await cache.get()).storeName).toBe('Toko Ani');

    await saveBrand(db, { storeName: 'Toko Budi' }, now);
    expect((await cache.get()).storeName).toBe('Toko Ani'); // still fresh
    now += 6_000;
    expect((await cache.get()).storeName).toBe('Toko Ani'); // stale: answered now, read behind
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await cache.get()).storeName).toBe('Toko Budi');

    await world.close();
    world = undefined;
    now += 6_000;
    expect((await cache.get()).storeName).toBe('Toko Budi');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await cache.get()).storeName).toBe('Toko Budi');
    expect((await new BrandCache(db, () => now).get()).storeName).toBe(DEFAULT_BRAND.storeName);
  });

  it('shows a save on this instance at once', async () => {
    world = await createWorld('sqlite');
    const { db } = world.database;
    const cache = new BrandCache(db, () => 1_000_000, 60_000);
    expect((await cache.get()).storeName).toBe(DEFAULT_BRAND.storeName);
    await saveBrand(db, { storeName: 'Toko Citra' }, 1_000_000);
    cache.invalidate();
    expect((await cache.get()).storeName).toBe('Toko Citra');
  });
});
