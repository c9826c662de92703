import type { Kysely } from 'kysely';
import { recordDeviceEvent } from '../auth/index.js';
import type { Database, Dialect } from '../db/index.js';
import { isUniqueViolation } from '../db/index.js';
import type { Failure, Result } from '../errors.js';
import type { RealtimeEvent } from '../realtime/index.js';
import { queueWebhookEvents } from '../webhooks-out/index.js';
import type { ActivationView, LicenseDeps, TokenLicense } from './deps.js';
import { activationView, tokenLicense } from './deps.js';
import { findByFingerprint, fingerprintHash } from './fingerprints.js';
import { announceCommitted, endActivations, queueContext } from './notify.js';
import { licenseState } from './status.js';
import { licenseEvent } from './webhook-events.js';

/** A license named by its key (the public API) or its id (the member's own page). */
export type LicenseRef = { key: string } | { id: number };

export type ActivateResult =
  | Result<
      {
        licenseId: number;
        /** What a license token for this device says about the license. */
        license: TokenLicense;
        activation: ActivationView;
        created: boolean;
        replaced: number[];
      },
      'LICENSE_NOT_FOUND' | 'LICENSE_REVOKED' | 'LICENSE_EXPIRED'
    >
  | Failure<'ACTIVATION_LIMIT', { licenseId: number; maxDevices: number; activations: ActivationView[] }>;

const ATTEMPTS = 3;

/**
 * Activates a license on a device (idempotent per fingerprint). Within the limit a free slot is
 * taken; at the limit the product's policy decides: `refuse` answers with the devices in use,
 * `takeover` ends the oldest activation(s) and tells their open pages. Exactly one of several
 * devices racing for the last slot wins: the license row is locked on PostgreSQL, SQLite has one
 * writer, and the live-slot unique index refuses a second holder whatever happens (a violation,
 * e.g. from another process on the same SQLite file, is retried and then sees the winner).
 */
export async function activateLicense(
  deps: LicenseDeps,
  ref: LicenseRef,
  device: { fingerprint: string; name: string },
): Promise<ActivateResult> {
  const hash = fingerprintHash(device.fingerprint);
  for (let attempt = 1; ; attempt++) {
    try {
      const committed = await deps.db.transaction().execute((trx) => activateOnce(trx, deps, ref, hash, device.name));
      announceCommitted(deps, committed);
      return committed.result;
    } catch (error) {
      if (attempt >= ATTEMPTS || !isRetryable(error)) throw error;
    }
  }
}

async function activateOnce(
  trx: Kysely<Database>,
  deps: LicenseDeps,
  ref: LicenseRef,
  hash: string,
  name: string,
): Promise<{ result: ActivateResult; events: RealtimeEvent[]; queued: number }> {
  const now = deps.runtime.now();
  const none: RealtimeEvent[] = [];
  const license = await lockedLicense(trx, deps.dialect, ref);
  if (!license) return { result: { ok: false, code: 'LICENSE_NOT_FOUND' }, events: none, queued: 0 };
  const state = licenseState(license, now);
  if (state !== 'active') {
    const code = state === 'revoked' ? 'LICENSE_REVOKED' : 'LICENSE_EXPIRED';
    return { result: { ok: false, code }, events: none, queued: 0 };
  }
  const forToken = tokenLicense(license);

  const live = await trx
    .selectFrom('license_activations')
    .select(['id', 'slot', 'fingerprint_hash', 'name', 'created_at', 'last_validated_at'])
    .where('license_id', '=', license.id)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const same = findByFingerprint(live, hash);
  if (same) {
    const activation = activationView(same);
    return {
      result: { ok: true, licenseId: license.id, license: forToken, activation, created: false, replaced: [] },
      events: none,
      queued: 0,
    };
  }
  // More than one too many only when an operator lowered max_devices: the oldest make room.
  const excess = live.length - license.max_devices + 1;
  if (excess > 0 && license.on_limit !== 'takeover') {
    // One device more than the key allows tried to use it: a sharing signal for the seller.
    await recordDeviceEvent(trx, { kind: 'activation_refused', licenseId: license.id }, now);
    const activations = live.map(activationView);
    return {
      result: {
        ok: false,
        code: 'ACTIVATION_LIMIT',
        licenseId: license.id,
        maxDevices: license.max_devices,
        activations,
      },
      events: none,
      queued: 0,
    };
  }
  const replaced = excess > 0 ? live.slice(0, excess).map((a) => a.id) : [];
  const ended = await endActivations(trx, license, replaced, 'takeover', queueContext(deps, now));
  const taken = new Set(live.filter((a) => !replaced.includes(a.id)).map((a) => a.slot));
  let slot = 1;
  while (taken.has(slot)) slot++;
  const row = await trx
    .insertInto('license_activations')
    .values({
      license_id: license.id,
      slot,
      fingerprint_hash: hash,
      name: name.slice(0, 100),
      created_at: now,
      last_validated_at: now,
      revoked_at: null,
      revoked_reason: null,
    })
    .returning(['id', 'name', 'created_at', 'last_validated_at'])
    .executeTakeFirstOrThrow();
  const activation = activationView(row);
  const activated = licenseEvent(trx, 'license.activated', license.id, now, {
    activation: { id: activation.id, name: activation.name, created_at: new Date(now).toISOString() },
    replaced_activation_ids: replaced,
  });
  const queued = await queueWebhookEvents(trx, [activated], queueContext(deps, now));
  return {
    result: { ok: true, licenseId: license.id, license: forToken, activation, created: true, replaced },
    events: ended.events,
    queued: ended.queued + queued,
  };
}

/**
 * The license row, locked until the transaction ends on PostgreSQL (concurrent activations of one
 * license queue here). SQLite needs no lock: its one writer runs these transactions one at a time.
 */
function lockedLicense(trx: Kysely<Database>, dialect: Dialect, ref: LicenseRef) {
  const base = trx
    .selectFrom('licenses')
    .select([
      'id',
      'email',
      'status',
      'expires_at',
      'max_devices',
      'on_limit',
      'license_key',
      'product_uuid',
      'product_title',
      'offline_grace_days',
    ]);
  const query = 'key' in ref ? base.where('license_key', '=', ref.key) : base.where('id', '=', ref.id);
  return dialect === 'postgres' ? query.forUpdate().executeTakeFirst() : query.executeTakeFirst();
}

/** A lost race (the unique index) or a busy SQLite file held by another process: try again. */
function isRetryable(error: unknown): boolean {
  const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  return isUniqueViolation(error) || (typeof code === 'string' && code.startsWith('SQLITE_BUSY'));
}
