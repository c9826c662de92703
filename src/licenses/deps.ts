import type { Kysely } from 'kysely';
import type { Runtime } from '../clock.js';
import type { Database, Dialect } from '../db/index.js';
import type { RealtimeBus } from '../realtime/index.js';

/** What the license services need: the database, its dialect (row locks), time, and the bus. */
export interface LicenseDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  runtime: Runtime;
  bus: RealtimeBus;
  /** Wakes the webhook worker after a change queued events for the seller's systems. */
  onWebhookQueued?: (() => void) | undefined;
  /** Release limit and reset policy; DEFAULT_TRANSFER_SETTINGS when absent. */
  transfers?: { maxPer30Days: number; resetPolicy: 'approve' | 'monthly' } | undefined;
}

/** What a license token says about its license (src/licenses/token.ts). */
export interface TokenLicense {
  key: string;
  productUuid: string;
  productTitle: string;
  maxDevices: number;
  expiresAt: number | null;
  /** Null: LICENSE_TOKEN_GRACE_DAYS. */
  offlineGraceDays: number | null;
}

export function tokenLicense(row: {
  license_key: string;
  product_uuid: string;
  product_title: string;
  max_devices: number;
  expires_at: number | null;
  offline_grace_days: number | null;
}): TokenLicense {
  return {
    key: row.license_key,
    productUuid: row.product_uuid,
    productTitle: row.product_title,
    maxDevices: row.max_devices,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    offlineGraceDays: row.offline_grace_days,
  };
}

/** A device as answers show it: never its fingerprint. */
export interface ActivationView {
  id: number;
  name: string;
  createdAt: number;
  lastValidatedAt: number;
}

export function activationView(row: { id: number; name: string; created_at: number; last_validated_at: number }) {
  return {
    id: row.id,
    name: row.name,
    createdAt: Number(row.created_at),
    lastValidatedAt: Number(row.last_validated_at),
  } satisfies ActivationView;
}
