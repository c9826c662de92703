import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/**
 * Device "B": a fresh browser that signs in as a member who is live on device "A" and chooses to
 * take over at once (`takeover=true`, as the dialog's "Tetap gunakan di sini" would after a 409).
 * Like the login page it first GETs /login for the CSRF token and its cookie.
 */

export const DEVICE_B_USER_AGENT = 'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0';

const REQUEST_TIMEOUT_MS = 30_000;

export interface TakeoverOutcome {
  /** performance.now() just before the login POST was handed to the socket layer. */
  sentPerf: number;
  answeredPerf: number;
  status: number;
  /** null when the answer was 200 signed_in with both cookies set. */
  error: string | null;
}

export async function takeOverOnDeviceB(baseUrl: string, email: string, password: string): Promise<TakeoverOutcome> {
  const page = await fetch(`${baseUrl}/login`, {
    headers: { accept: 'text/html', 'user-agent': DEVICE_B_USER_AGENT },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const csrfCookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('gerbang_csrf='));
  if (!csrf || !csrfCookie) {
    const now = performance.now();
    return { sentPerf: now, answeredPerf: now, status: page.status, error: 'no CSRF token on GET /login' };
  }
  const body = JSON.stringify({
    email,
    password,
    fingerprint: randomBytes(32).toString('hex'),
    takeover: true,
  });
  const sentPerf = performance.now();
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      'user-agent': DEVICE_B_USER_AGENT,
      'x-csrf-token': csrf,
      cookie: csrfCookie,
    },
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const answer = (await response.json().catch(() => null)) as { status?: string } | null;
  const answeredPerf = performance.now();
  const cookies = response.headers.getSetCookie().map((c) => c.split('=')[0]);
  let error: string | null = null;
  if (response.status !== 200 || answer?.status !== 'signed_in')
    error = `answered ${response.status} ${JSON.stringify(answer)}`;
  else if (!cookies.includes('gerbang_session') || !cookies.includes('gerbang_device'))
    error = 'signed in without both cookies';
  return { sentPerf, answeredPerf, status: response.status, error };
}

/** Whether the old device's cookies still open a session (they must not after a takeover). */
export async function sessionStillLive(baseUrl: string, cookieHeader: string): Promise<boolean> {
  const response = await fetch(`${baseUrl}/api/session`, {
    headers: { accept: 'application/json', cookie: cookieHeader },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  await response.arrayBuffer();
  return response.status === 200;
}
