/** What a license is, right now: revoked by an operator, past its validity, or usable. */
export type LicenseState = 'active' | 'revoked' | 'expired';

/**
 * `expired` is derived, never stored: a license with validity days ends by itself at expires_at
 * (exclusive), so no job has to flip a column at midnight. Revocation wins over expiry.
 */
export function licenseState(license: { status: 'active' | 'revoked'; expires_at: number | null }, now: number) {
  if (license.status === 'revoked') return 'revoked' as const;
  if (license.expires_at !== null && license.expires_at <= now) return 'expired' as const;
  return 'active' as const;
}
