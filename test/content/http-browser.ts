import { randomBytes } from 'node:crypto';

/**
 * A browser over real HTTP (fetch) for tests against `gerbang serve` processes: one cookie jar,
 * sent to whichever instance it asks (instances share COOKIE_SECRET, as behind a load balancer).
 */
export class HttpBrowser {
  readonly cookies = new Map<string, string>();
  readonly fingerprint = randomBytes(32).toString('hex');

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: RequestInit['body'] } = {},
  ) {
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        'user-agent': 'Mozilla/5.0 Chrome/131.0',
        cookie: this.cookieHeader(),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    this.remember(response);
    return response;
  }

  /** The CSRF token of a page (and its secret cookie, remembered). */
  async csrf(url: string): Promise<string> {
    const html = await (await this.request(url)).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error(`no CSRF token on ${url}`);
    return token;
  }

  async postForm(url: string, form: Record<string, string>, csrf: string) {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
    });
  }

  async login(base: string, email: string, password: string): Promise<void> {
    const csrf = await this.csrf(`${base}/login`);
    const res = await this.postForm(`${base}/login`, { email, password, fingerprint: this.fingerprint }, csrf);
    if (res.status !== 303) throw new Error(`login of ${email} answered ${res.status}`);
  }
}
