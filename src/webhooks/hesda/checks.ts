import { createHash } from 'node:crypto';
import type { PreviousKey } from '../../config/index.js';
import type { Log } from '../../logger.js';
import type { HesdaUpdate } from '../../ppob/index.js';
import { HESDA_UPDATE_EVENT, hesdaDeliveryId, hesdaUpdateSchema } from '../../ppob/index.js';
import type { WebhookKeyring } from '../keyring.js';
import { matchWithKeyring, staticKeyring } from '../keyring.js';
import type { BytesCheck, IncomingDelivery, ParsedCheck, RefusalReason } from '../open-delivery.js';
import type { PreviousKeyUse } from '../signing-keys.js';
import { matchHesdaSignature } from './signature.js';

/** What makes a Hesda delivery acceptable, before anything is stored (the opening: ../open-delivery.ts). */

export interface HesdaSigningDeps {
  /** HESDA_SECRET_KEY; without it nothing can be verified and every delivery is refused. */
  secretKey: string | undefined;
  /** HESDA_SECRET_KEY_PREVIOUS during a rotation. */
  previousSecretKey?: PreviousKey | undefined;
  /** Counts deliveries verified only by the previous key (GET /metrics). */
  previousKeyUse?: PreviousKeyUse;
  /** The accepted keys (database, else environment); the two keys above when not given. */
  keyring?: WebhookKeyring;
}

export interface HesdaDelivery extends IncomingDelivery {
  signature: string | undefined;
  event: string | undefined;
}

export type HesdaRefusalCode = 'INVALID_SIGNATURE' | 'INVALID_JSON' | 'INVALID_PAYLOAD';

/** What a verified, parsed body is: its delivery id, and the update it carries (null: another event type). */
export interface HesdaBody {
  eventType: string | null;
  externalId: string;
  update: HesdaUpdate | null;
}

/** The signature first, on the bytes as received: nothing unauthenticated is parsed or trusted. */
export function checkHesdaSignature(
  deps: HesdaSigningDeps,
  log: Log,
  signature: string | undefined,
): BytesCheck<HesdaRefusalCode> {
  const notConfigured = (): RefusalReason<HesdaRefusalCode> => {
    log.error('no Hesda secret key is set: every Hesda webhook is refused');
    return { code: 'INVALID_SIGNATURE', message: 'HESDA_SECRET_KEY is not set: cannot verify' };
  };
  return async (rawBody, meta) => {
    const keyring =
      deps.keyring ??
      staticKeyring({
        lynk: undefined,
        hesda: deps.secretKey ? { current: deps.secretKey, previous: deps.previousSecretKey } : undefined,
      });
    if (signature === undefined || signature.trim() === '') {
      if (!(await keyring.keys('hesda'))) return notConfigured();
      return { code: 'INVALID_SIGNATURE', message: 'no X-Hesda-Signature header' };
    }
    const { matched, configured } = await matchWithKeyring(keyring, 'hesda', (keys) =>
      matchHesdaSignature(rawBody, keys, meta.receivedAt, signature),
    );
    if (!configured) return notConfigured();
    if (matched === null) return { code: 'INVALID_SIGNATURE', message: 'X-Hesda-Signature does not match' };
    if (matched === 'previous') {
      // A rotation in progress: accepted and told to the operator (never the key itself).
      if (deps.previousKeyUse) deps.previousKeyUse.hesda += 1;
      log.warn({ provider: 'hesda' }, 'hesda webhook signed with the previous secret key: Hesda has not switched yet');
    }
    return null;
  };
}

export function readHesdaBody(delivery: HesdaDelivery): ParsedCheck<HesdaBody, HesdaRefusalCode> {
  return (body) => {
    const eventType = delivery.event?.trim().slice(0, 100) || null;
    // The signature covers the body only: X-Hesda-Event can be rewritten by anyone who saw a delivery.
    // So the delivery id is the body's alone, and a signed body re-sent under another (or a
    // differently written) event header is a repeat of the first, never a new event.
    const externalId = hesdaDeliveryId(
      bodyTransactionId(body),
      createHash('sha256').update(delivery.rawBody).digest('hex'),
    );
    if (eventType !== HESDA_UPDATE_EVENT) return { ok: true, value: { eventType, externalId, update: null } };
    const parsed = hesdaUpdateSchema.safeParse(body);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const message = `${first?.path.join('.') ?? ''}: ${first?.message ?? 'tidak valid'}`;
      return { ok: false, refusal: { code: 'INVALID_PAYLOAD', message } };
    }
    return { ok: true, value: { eventType, externalId, update: parsed.data } };
  };
}

/**
 * The transaction id a body names, written as hesdaUpdateSchema reads it (text, trimmed, NUL
 * dropped), so that the delivery id of a body is the same whichever event header it came with.
 */
function bodyTransactionId(body: unknown): string {
  const tid = (body as { transaction_id?: unknown } | null)?.transaction_id;
  if (typeof tid !== 'string' && typeof tid !== 'number') return '-';
  return String(tid).replaceAll('\u0000', '').trim() || '-';
}
