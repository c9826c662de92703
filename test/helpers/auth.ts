import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { AuthCookies } from '../../src/auth/index.js';
import { authCookies } from '../../src/auth/index.js';
import { hashPassword, passwordHashing } from '../../src/members/index.js';
import type { World } from './world.js';
import { memberRow } from './world.js';

/** Members, browsers and cookies as the auth, realtime and browser tests need them. */

const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/**
 * One browser as the server sees it: a cookie jar, a user agent, a fingerprint, an IP. Requests go
 * through app.inject() (real routing, hooks and cookies, no socket).
 */
export class TestDevice {
  readonly cookies = new Map<string, string>();
  readonly fingerprint: string;

  constructor(
    private readonly app: FastifyInstance,
    readonly options: { userAgent?: string; ip?: string; fingerprint?: string } = {},
  ) {
    this.fingerprint = options.fingerprint ?? randomBytes(32).toString('hex');
  }

  private cookieHeader(): string {
    return cookieHeader(this.cookies);
  }

  private remember(response: LightMyRequestResponse): void {
    for (const c of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired =
        c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() <= Date.now()) || c.value === '';
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({
      method: 'GET',
      url,
      remoteAddress: this.options.ip ?? '127.0.0.1',
      headers: {
        'user-agent': this.options.userAgent ?? CHROME_UA,
        accept: 'text/html',
        cookie: this.cookieHeader(),
        ...headers,
      },
    });
    this.remember(response);
    return response;
  }

  /** POSTs a form (urlencoded) with a fresh CSRF token from the login page unless one is given. */
  async post(
    url: string,
    form: Record<string, string>,
    options: { csrf?: string | null | undefined; accept?: string } = {},
  ): Promise<LightMyRequestResponse> {
    const csrf = options.csrf === undefined ? await this.csrfToken() : options.csrf;
    const body = new URLSearchParams({ ...form, ...(csrf ? { _csrf: csrf } : {}) }).toString();
    const response = await this.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.options.ip ?? '127.0.0.1',
      payload: body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': this.options.userAgent ?? CHROME_UA,
        accept: options.accept ?? 'text/html',
        cookie: this.cookieHeader(),
      },
    });
    this.remember(response);
    return response;
  }

  async csrfToken(): Promise<string> {
    const page = await this.get('/login/tautan');
    const match = /name="_csrf" value="([^"]+)"/.exec(page.body);
    if (!match?.[1]) throw new Error(`no CSRF token on the page (status ${page.statusCode})`);
    return match[1];
  }

  login(email: string, password: string, extra: Record<string, string> = {}) {
    return this.post('/login', { email, password, fingerprint: this.fingerprint, ...extra });
  }

  /** Logs in, and when the conflict dialog appears, presses "Tetap gunakan di sini". */
  async loginKeepingHere(email: string, password: string): Promise<LightMyRequestResponse> {
    const first = await this.login(email, password);
    if (first.statusCode !== 409) return first;
    return this.post('/login/ambil-alih', { token: takeoverToken(first.body), fingerprint: this.fingerprint });
  }
}

export function takeoverToken(conflictPage: string): string {
  const match = /action="\/login\/ambil-alih"[\s\S]*?name="token" value="([^"]+)"/.exec(conflictPage);
  if (!match?.[1]) throw new Error('no takeover token on the page');
  return match[1];
}

/** The password test members have unless told otherwise. */
export const PASSWORD = 'kalimat rahasia yang panjang';

/** argon2id costs ~55 ms: each password is hashed once per test file. */
const hashes = new Map<string, Promise<string>>();
export function passwordHash(password = PASSWORD): Promise<string> {
  let hashed = hashes.get(password);
  if (!hashed) {
    hashed = hashPassword(password);
    hashes.set(password, hashed);
  }
  return hashed;
}

/**
 * Takes every password-hashing slot of this process and queues `waiting` more tasks, all held until
 * `release()` (which resolves once they are done): hashing saturated at no machine's speed, where
 * real argon2 would drain the queue faster on some machines than on others.
 */
export function holdPasswordHashing(waiting: number): { release(): Promise<void> } {
  let open!: () => void;
  const held = new Promise<void>((resolve) => {
    open = resolve;
  });
  const holders = Array.from({ length: passwordHashing.size + waiting }, () => passwordHashing.run(() => held));
  return {
    release: async () => {
      open();
      await Promise.all(holders);
    },
  };
}

/** The account a payment made for `email` now has PASSWORD, as if its owner chose it. */
export async function choosePassword(world: World, email: string): Promise<void> {
  const chosen = await world.database.db
    .updateTable('members')
    .set({ password_hash: await passwordHash() })
    .where('email', '=', email)
    .executeTakeFirst();
  if (Number(chosen.numUpdatedRows) !== 1) throw new Error(`no account for ${email}`);
}

/** An active member with a real argon2id password hash (of PASSWORD unless given). */
export async function addMember(
  world: World,
  email: string,
  options: { name?: string; status?: 'active' | 'disabled'; password?: string; passwordHash?: string } = {},
): Promise<number> {
  const row = await world.database.db
    .insertInto('members')
    .values({
      ...memberRow(email, world.runtime.now()),
      name: options.name ?? '',
      status: options.status ?? 'active',
      password_hash: options.passwordHash ?? (await passwordHash(options.password)),
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

/**
 * Where a page asked for without a live session sends the browser: the login page, with the reason
 * (when a session had ended) and the page to come back to (the two home pages are where a login
 * lands anyway).
 */
export function loginRedirect(path: string, reason?: string): string {
  const query = new URLSearchParams();
  if (reason) query.set('alasan', reason);
  if (path !== '/member' && path !== '/admin') query.set('lanjut', path);
  const text = query.toString();
  return text ? `/login?${text}` : '/login';
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

/** Sessions not revoked (expiry aside): what "exactly one session" assertions count. */
export async function unrevokedSessions(world: World): Promise<number> {
  const rows = await world.database.db.selectFrom('sessions').select('id').where('revoked_at', 'is', null).execute();
  return rows.length;
}
