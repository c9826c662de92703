import { createHash } from 'node:crypto';
import type { KeyMatch, SigningKeys } from '../signing-keys.js';
import { matchSigningKey, signatureMatches } from '../signing-keys.js';
import type { LynkEnvelope } from './payload.js';

/**
 * Lynk.id signs `grandTotal + refId + message_id + merchantKey` (plain string concatenation) with
 * SHA-256, hex, in X-Lynk-Signature. grandTotal is the JSON number as Lynk writes it (72000, not
 * 72000.00): JavaScript's String(number) gives that form. A field absent from the body counts as "".
 */
export function lynkSignatureBase(envelope: LynkEnvelope): string {
  const md = envelope.data?.message_data;
  const grandTotal = md?.totals?.grandTotal;
  return `${grandTotal === undefined ? '' : String(grandTotal)}${md?.refId ?? ''}${envelope.data?.message_id ?? ''}`;
}

export function computeLynkSignature(envelope: LynkEnvelope, merchantKey: string): string {
  return createHash('sha256')
    .update(lynkSignatureBase(envelope) + merchantKey, 'utf8')
    .digest('hex');
}

/** One key's check (signatureMatches: constant time over two 32-byte digests). */
export function verifyLynkSignature(envelope: LynkEnvelope, merchantKey: string, received: string): boolean {
  return signatureMatches(received, computeLynkSignature(envelope, merchantKey));
}

/**
 * The check the webhook runs: the current merchant key, and during a rotation the previous one
 * (LYNK_MERCHANT_KEY_PREVIOUS) until its window closes. Constant time whichever matched.
 */
export function matchLynkSignature(envelope: LynkEnvelope, keys: SigningKeys, now: number, received: string): KeyMatch {
  return matchSigningKey(keys, now, (key) => computeLynkSignature(envelope, key), received);
}
