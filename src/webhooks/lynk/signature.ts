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

/**
 * What is stored to make a signature serve one body only: buyer, items and qty are unsigned and the
 * three signed fields are joined without separators, so moving characters between them (grandTotal
 * "72000" + refId "abc" → "7200" + "0abc") keeps a captured signature valid for a new "payment".
 * A digest of the signed text, not of the header: the same text signed under a rotated key is still
 * the same signature's content. Migration 0010 computes the same digest for older deliveries.
 */
export function lynkSignatureDigest(envelope: LynkEnvelope): string {
  return createHash('sha256')
    .update(`lynk\n${lynkSignatureBase(envelope)}`, 'utf8')
    .digest('hex');
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
