import type { LightMyRequestResponse } from 'fastify';
import type { LicenseDeps } from '../../src/licenses/index.js';
import { payment, postLynk } from './lynk.js';
import type { World } from './world.js';

/** Products of the license tests, as a seller would configure them (PRODUCT_RULES). */
export const LICENSE_RULES = JSON.stringify([
  { title: 'Satu Perangkat', action: 'license', maxDevices: 1 },
  { title: 'Tiga Perangkat', action: 'license', maxDevices: 3 },
  { title: 'Ambil Alih', action: 'license', maxDevices: 1, onLimit: 'takeover' },
  { title: 'Dua Ambil Alih', action: 'license', maxDevices: 2, onLimit: 'takeover' },
  { title: 'Setahun', action: 'license', maxDevices: 1, validityDays: 365 },
]);

export type LicenseProduct = 'Satu Perangkat' | 'Tiga Perangkat' | 'Ambil Alih' | 'Dua Ambil Alih' | 'Setahun';

/** Buys one license through the real Lynk webhook (so the product rule is applied as in production). */
export async function buyLicense(
  world: World,
  title: LicenseProduct,
  email = 'budi@example.com',
): Promise<{ id: number; key: string }> {
  const res = await postLynk(world.app, payment({ email, items: [{ title, uuid: '', qty: 1 }] }));
  if (res.statusCode !== 200) throw new Error(`payment failed: ${res.statusCode} ${res.body}`);
  const row = await world.database.db
    .selectFrom('licenses')
    .select(['id', 'license_key'])
    .where('product_title', '=', title)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  return { id: row.id, key: row.license_key };
}

/** A call of the public license API, as a seller's app makes it (JSON, no cookies). */
export function licenseApi(
  world: World,
  action: 'activate' | 'validate' | 'deactivate',
  body: unknown,
  ip = '203.0.113.7',
): Promise<LightMyRequestResponse> {
  return world.app.inject({
    method: 'POST',
    url: `/api/licenses/${action}`,
    remoteAddress: ip,
    headers: { 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function liveActivations(world: World, licenseId: number) {
  return world.database.db
    .selectFrom('license_activations')
    .selectAll()
    .where('license_id', '=', licenseId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** The services' dependencies on the world's own database and bus (the app's streams hear them). */
export function licenseDeps(world: World): LicenseDeps {
  return {
    db: world.database.db,
    dialect: world.database.dialect,
    runtime: world.runtime,
    bus: world.bus,
  };
}
