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
