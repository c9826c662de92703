import { createRequire } from 'node:module';
import { hash, verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { hashSlotCount, Slots } from './hash-slots.js';

/**
 * argon2id with the OWASP-recommended minimum (m=19 MiB, t=2, p=1; OWASP Password Storage Cheat
 * Sheet). Hashing runs on libuv's thread pool, so it never blocks the event loop, and takes turns
 * (hash-slots.ts), so it never takes every core either.
 */
const ARGON2ID = 2; // Algorithm.Argon2id (a const enum, which isolated modules cannot read)
const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** The process's argon2 computations, hashing and verifying alike (read by /metrics). */
export const passwordHashing = new Slots(hashSlotCount());

/**
 * Logins waiting for a hash beyond this many per slot are answered "busy" at once: at tens of
 * milliseconds per hash, a queue this long is already a second or more of waiting, and a login
 * flood must not grow it without end. Everything else that hashes (new passwords, a payment's new
 * member) waits its turn whatever the queue.
 */
export const LOGIN_HASH_QUEUE_PER_SLOT = 32;

/**
 * `ahead`: inside a database transaction (which every other write waits for), the hash goes before
 * the logins waiting their turn.
 */
export function hashPassword(password: string, options: { ahead?: boolean } = {}): Promise<string> {
  return passwordHashing.run(() => hash(password, ARGON2_OPTIONS), options);
}

export interface PasswordCheck {
  ok: boolean;
  /** True when the stored hash is a legacy bcrypt ($2y$ from PHP) and should be replaced by argon2id. */
  needsRehash: boolean;
}

export function verifyPassword(stored: string, password: string): Promise<PasswordCheck>;
/** A login's check: 'busy' instead of joining a queue of logins already LOGIN_HASH_QUEUE_PER_SLOT deep per slot. */
export function verifyPassword(stored: string, password: string, login: 'login'): Promise<PasswordCheck | 'busy'>;
export async function verifyPassword(
  stored: string,
  password: string,
  login?: 'login',
): Promise<PasswordCheck | 'busy'> {
  if (/^\$2[aby]\$/.test(stored)) {
    // PHP's password_hash() writes $2y$; bcryptjs reads it like $2a$/$2b$.
    const ok = await bcrypt.compare(password, stored.replace(/^\$2y\$/, '$2b$'));
    return { ok, needsRehash: ok };
  }
  if (stored.startsWith('$argon2')) {
    try {
      const check = () => verify(stored, password);
      const checking = login
        ? passwordHashing.runUnlessQueued(check, passwordHashing.size * LOGIN_HASH_QUEUE_PER_SLOT)
        : passwordHashing.run(check);
      return checking === null ? 'busy' : { ok: await checking, needsRehash: false };
    } catch {
      return { ok: false, needsRehash: false };
    }
  }
  return { ok: false, needsRehash: false };
}

/**
 * The stored "hash" of an account that has no password yet (a buyer of licenses, who signs in with
 * emailed links): no password verifies against it, and login checks a decoy instead, so such an
 * account answers after the same work as any other.
 */
export const NO_PASSWORD = '';

/** An initial password nobody knows: the member chooses their own through the one-time link. */
export function randomPassword(randomBytes: (n: number) => Buffer): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The passwords people pick first, from a maintained list shipped offline (zxcvbn-ts's common
 * dictionary, ~49,000 entries from breach corpora), looked up lower-cased. Loaded by the first check,
 * not at start: unpacking it takes about 85 ms of CPU, which every server start and CLI command
 * would pay although few of them ever set a password.
 */
let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  if (!common) {
    const load = createRequire(import.meta.url);
    const { dictionary } = load('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    common = new Set(dictionary['passwords-common'].map((word) => word.toLowerCase()));
  }
  return common;
}

/** The shortest password anyone may choose (NIST SP 800-63B: length over composition rules). */
export const MIN_PASSWORD_LENGTH = 10;

/**
 * The one password rule, for members and admins alike (set-password link, "Ubah kata sandi", the
 * first-run page, `gerbang admin create`): long enough, not a common password nor one with digits or
 * symbols stuck on ("password123!"), not built on the email, not a few characters repeated.
 * Returns the reason in Indonesian, or null.
 */
export function checkNewPassword(password: string, email: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Kata sandi minimal ${MIN_PASSWORD_LENGTH} karakter.`;
  if (password.length > 200) return 'Kata sandi maksimal 200 karakter.';
  if (/^(.)\1*$/.test(password)) return 'Kata sandi tidak boleh satu karakter yang diulang.';
  const lower = password.toLowerCase();
  if (lower === email.toLowerCase()) return 'Kata sandi tidak boleh sama dengan email.';
  const local = email.toLowerCase().split('@')[0] ?? '';
  // Built on the email's name: what is left without it (and without separators) is too short to stand alone.
  const rest = (local.length >= 3 ? lower.replaceAll(local, '') : lower).replace(/[^\p{L}\p{N}]/gu, '');
  if (local.length >= 3 && lower.includes(local) && rest.length < MIN_PASSWORD_LENGTH)
    return 'Kata sandi tidak boleh dibangun dari nama email Anda.';
  const core = lower.replace(/[^\p{L}]+$/u, '').replace(/^[^\p{L}]+/u, '');
  const known = commonPasswords();
  if (known.has(lower) || known.has(core) || known.has(lower.replace(/\s+/g, '')))
    return 'Kata sandi ini termasuk yang paling sering dipakai orang. Gunakan kalimat yang lebih panjang.';
  if (new Set(password).size < 5) return 'Kata sandi terlalu sedikit variasi karakternya.';
  return null;
}
