import { hash, verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/**
 * argon2id with the OWASP-recommended minimum (m=19 MiB, t=2, p=1; OWASP Password Storage Cheat
 * Sheet). Hashing runs on libuv's thread pool, so it never blocks the event loop.
 */
const ARGON2ID = 2; // Algorithm.Argon2id (a const enum, which isolated modules cannot read)
const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export interface PasswordCheck {
  ok: boolean;
  /** True when the stored hash is a legacy bcrypt ($2y$ from PHP) and should be replaced by argon2id. */
  needsRehash: boolean;
}

export async function verifyPassword(stored: string, password: string): Promise<PasswordCheck> {
  if (/^\$2[aby]\$/.test(stored)) {
    // PHP's password_hash() writes $2y$; bcryptjs reads it like $2a$/$2b$.
    const ok = await bcrypt.compare(password, stored.replace(/^\$2y\$/, '$2b$'));
    return { ok, needsRehash: ok };
  }
  if (stored.startsWith('$argon2')) {
    try {
      return { ok: await verify(stored, password), needsRehash: false };
    } catch {
      return { ok: false, needsRehash: false };
    }
  }
  return { ok: false, needsRehash: false };
}

/** An initial password nobody knows: the member chooses their own through the one-time link. */
export function randomPassword(randomBytes: (n: number) => Buffer): string {
  return randomBytes(24).toString('base64url');
}

/** Our minimum for a password a member chooses (NIST SP 800-63B: length over composition rules). */
export function checkNewPassword(password: string, email: string): string | null {
  if (password.length < 10) return 'Kata sandi minimal 10 karakter.';
  if (password.length > 200) return 'Kata sandi maksimal 200 karakter.';
  if (/^(.)\1*$/.test(password)) return 'Kata sandi tidak boleh satu karakter yang diulang.';
  if (password.toLowerCase() === email.toLowerCase()) return 'Kata sandi tidak boleh sama dengan email.';
  return null;
}
