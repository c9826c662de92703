import type { LightMyRequestResponse } from 'fastify';
import type { AuthCookies } from '../../src/auth/index.js';
import { authCookies } from '../../src/auth/index.js';
import { hashPassword } from '../../src/members/index.js';
import type { World } from '../helpers/world.js';
import { memberRow } from '../helpers/world.js';

/** The one password every test member has (hashed once per test file: argon2id costs ~55 ms). */
export const PASSWORD = 'kalimat rahasia yang panjang';

let hashed: Promise<string> | null = null;
export function passwordHash(): Promise<string> {
  hashed ??= hashPassword(PASSWORD);
  return hashed;
}

/** An active member whose password is PASSWORD (a real argon2id hash, computed once). */
export async function addMember(
  world: World,
  email: string,
  options: { name?: string; status?: 'active' | 'disabled'; passwordHash?: string } = {},
): Promise<number> {
  const row = await world.database.db
    .insertInto('members')
    .values({
      ...memberRow(email, world.runtime.now()),
      name: options.name ?? '',
      status: options.status ?? 'active',
      password_hash: options.passwordHash ?? (await passwordHash()),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Real user agents of the browsers members use. */
export const USER_AGENTS = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
} as const;

export function cookieNames(world: World): AuthCookies {
  return authCookies(world.config.publicUrl);
}

/** A Cookie header for a jar (what a browser sends), e.g. to reuse a TestDevice's cookies over real HTTP. */
export function cookieHeader(cookies: ReadonlyMap<string, string>): string {
  return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

export function location(response: LightMyRequestResponse): string | undefined {
  const value = response.headers.location;
  return typeof value === 'string' ? value : undefined;
}

/** The one-time link a mail's text carries (the dev transport keeps links in the outbox). */
export function linkIn(textBody: string | null, path: '/login/tautan' | '/akun/atur-sandi'): string {
  const escaped = path.replaceAll('/', '\\/');
  const match = new RegExp(`https?://[^/\\s]+(${escaped}\\?token=[A-Za-z0-9_-]+)`).exec(textBody ?? '');
  if (!match?.[1]) throw new Error(`no ${path} link in mail: ${textBody}`);
  return match[1];
}

export function tokenOf(link: string): string {
  return new URL(link, 'http://x').searchParams.get('token') ?? '';
}
