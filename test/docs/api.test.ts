import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorTable } from '../../src/errors.js';
import type { World } from '../helpers/world.js';
import { createWorld } from '../helpers/world.js';

/**
 * docs/API.md is written by hand and held to the app: every registered route is named there as
 * `METHOD /path`, every route it names exists, and its error table is src/errors.ts's.
 */

const doc = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');

describe('docs/API.md against the app', () => {
  let world: World;
  beforeAll(async () => {
    // With METRICS_TOKEN, so that /metrics (registered only then) is part of the table.
    world = await createWorld('sqlite', { METRICS_TOKEN: 'metrics-token-0123456789' });
  });
  afterAll(async () => {
    await world?.close();
  });

  // HEAD is Fastify's automatic twin of every GET route: documenting the GET covers it.
  const registered = () =>
    new Set(world.app.routeTable.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`));
  const named = new Set(
    [...doc.matchAll(/`((?:GET|POST|PUT|PATCH|DELETE|OPTIONS) \/[^`\s]*)`/g)].map((m) => m[1] ?? ''),
  );

  it('names every registered route', () => {
    expect([...registered()].filter((route) => !named.has(route)).sort()).toEqual([]);
  });

  it('names no route the app does not register', () => {
    const routes = registered();
    expect([...named].filter((route) => !routes.has(route)).sort()).toEqual([]);
  });

  it('lists every error code with the status the error table gives it', () => {
    const rows = [...doc.matchAll(/^\| `([A-Z][A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    const table = Object.entries(errorTable).map(([code, { status }]) => `${code} ${status}`);
    expect(rows.sort()).toEqual(table.sort());
  });
});
