import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets Gerbang must read back (the license signing key, outgoing webhook secrets) are stored
 * sealed with AES-256-GCM, under a key derived from COOKIE_SECRET with HKDF-SHA256 and a purpose
 * label: a copy of the database alone (a backup, a read-only leak) yields neither a key that
 * forges license tokens nor one that forges webhooks to the seller's systems. The purpose is also
 * the AES-GCM associated data, so a value sealed for one use cannot be moved into another column.
 *
 * Format: `v1.<iv>.<ciphertext>.<tag>`, each part base64url.
 */
export type SealPurpose = 'license-signing-key' | 'webhook-endpoint-secret';

const VERSION = 'v1';

function keyFor(masterSecret: string, purpose: SealPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', masterSecret, 'gerbang secret box', purpose, 32));
}

export function sealSecret(plaintext: string, masterSecret: string, purpose: SealPurpose): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(masterSecret, purpose), iv);
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, body, cipher.getAuthTag()]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/**
 * The plaintext, or null when the value was sealed under another COOKIE_SECRET (it was changed)
 * or altered: callers decide what that means (a new signing key, a delivery that waits).
 */
export function openSecret(sealed: string, masterSecret: string, purpose: SealPurpose): string | null {
  const [version, iv, body, tag] = sealed.split('.');
  if (version !== VERSION || !iv || body === undefined || !tag) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(masterSecret, purpose), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(purpose, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
