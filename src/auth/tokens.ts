/**
 * Session tokens are `id.secret` (the Copenhagen Book's layout): the id finds the row, the secret
 * proves possession. Only SHA-256 of the secret is stored, so a database leak yields no usable
 * cookie; the secret has 160 bits from the CSPRNG, which makes a slow hash unnecessary.
 */
export interface SessionToken {
  id: string;
  secret: string;
  value: string;
}

export function newSessionToken(randomBytes: (n: number) => Buffer): SessionToken {
  const id = randomBytes(15).toString('base64url');
  const secret = randomBytes(20).toString('base64url');
  return { id, secret, value: `${id}.${secret}` };
}

export function parseSessionToken(value: string | undefined): { id: string; secret: string } | null {
  if (!value || value.length > 100) return null;
  const match = /^([A-Za-z0-9_-]{20})\.([A-Za-z0-9_-]{27})$/.exec(value);
  if (!match?.[1] || !match[2]) return null;
  return { id: match[1], secret: match[2] };
}

/** Device tokens: 256 random bits in their own long-lived cookie; only the hash is stored. */
export function newDeviceToken(randomBytes: (n: number) => Buffer): string {
  return randomBytes(32).toString('base64url');
}

export function isDeviceToken(value: string | undefined): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
