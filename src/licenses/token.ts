import type { KeyObject } from 'node:crypto';
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { Result } from '../errors.js';

/**
 * License tokens: a compact JWS (RFC 7515) with EdDSA over Ed25519 (RFC 8037), i.e. a JWT a
 * seller's app can check offline with the published public key:
 *
 *   base64url(header) "." base64url(payload) "." base64url(signature)
 *   header  {"alg":"EdDSA","typ":"JWT","kid":"<RFC 7638 thumbprint of the key>"}
 *
 * Times are seconds since the epoch (JWT's NumericDate). `exp` equals `valid_until`, so any JWT
 * library refuses an expired token without knowing our claim names.
 */
export interface LicenseTokenClaims {
  /** PUBLIC_URL of the Gerbang that issued it. */
  iss: string;
  /** The license key. */
  key: string;
  product: { uuid: string; title: string };
  /** The device id the app sent to activate/validate (the token is only good on that device). */
  fingerprint: string;
  activation_id: number;
  max_devices: number;
  /** When the license itself ends; null: never. */
  expires_at: number | null;
  iat: number;
  /** The end of the offline grace: the app may trust the token until then without asking again. */
  valid_until: number;
  exp: number;
}

/** A published public key, as served at /.well-known/gerbang-license-keys.json. */
export interface LicenseJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** The encoded JOSE header of every token signed with the key `kid`. */
export function tokenHeader(kid: string): string {
  return base64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid }));
}

/**
 * The part a token's signature covers, from the claims already serialised (the event loop builds
 * that string; the signing thread encodes and signs it).
 */
export function signingInput(claimsJson: string, header: string): string {
  return `${header}.${base64url(claimsJson)}`;
}

/** RFC 7638 thumbprint of an Ed25519 public key (its `x`): a stable `kid` that names the key itself. */
export function jwkThumbprint(x: string): string {
  return createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`, 'utf8').digest('base64url');
}

export function publicJwk(x: string, kid = jwkThumbprint(x)): LicenseJwk {
  return { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' };
}

/** The claims of a token for one device, its offline grace capped by the license's own end. */
export function licenseTokenClaims(input: {
  issuer: string;
  license: {
    key: string;
    productUuid: string;
    productTitle: string;
    maxDevices: number;
    expiresAt: number | null;
    graceDays: number;
  };
  activationId: number;
  fingerprint: string;
  now: number;
}): LicenseTokenClaims {
  const { license, now } = input;
  const seconds = (ms: number) => Math.floor(ms / 1000);
  const graceEnd = now + license.graceDays * 86_400_000;
  const validUntil = seconds(license.expiresAt === null ? graceEnd : Math.min(graceEnd, license.expiresAt));
  return {
    iss: input.issuer,
    key: license.key,
    product: { uuid: license.productUuid, title: license.productTitle },
    fingerprint: input.fingerprint,
    activation_id: input.activationId,
    max_devices: license.maxDevices,
    expires_at: license.expiresAt === null ? null : seconds(license.expiresAt),
    iat: seconds(now),
    valid_until: validUntil,
    exp: validUntil,
  };
}

export type TokenCheck = Result<
  { claims: LicenseTokenClaims; kid: string },
  'MALFORMED' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'EXPIRED'
>;

/**
 * Checks a token against a published key set, as a seller's app does offline (the README's
 * verifiers do the same in a few lines). `now` in epoch milliseconds.
 */
export function verifyLicenseToken(token: string, keys: readonly LicenseJwk[], now: number): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, code: 'MALFORMED' };
  const [head, body, signature] = parts as [string, string, string];
  let header: { alg?: unknown; kid?: unknown };
  let claims: LicenseTokenClaims;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, code: 'MALFORMED' };
  }
  if (header.alg !== 'EdDSA' || typeof claims?.exp !== 'number') return { ok: false, code: 'MALFORMED' };
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk) return { ok: false, code: 'UNKNOWN_KEY' };
  const key: KeyObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  if (!verify(null, Buffer.from(`${head}.${body}`), key, Buffer.from(signature, 'base64url')))
    return { ok: false, code: 'BAD_SIGNATURE' };
  if (claims.exp * 1000 <= now) return { ok: false, code: 'EXPIRED' };
  return { ok: true, claims, kid: jwk.kid };
}
