import type { FastifyInstance } from 'fastify';

/**
 * Every route of the app, by who may reach it. The security suites walk `app.routeTable` and
 * look each route up here: a route added tomorrow and not listed fails `unclassifiedRoutes`, so no
 * route escapes the walks (each class has its own proof, named beside it).
 */
export type RouteClass =
  /** Anyone: pages of the login flow, health, the start page. */
  | 'public'
  /** A member's live session (cookie): route-access.test.ts, session-replay.test.ts, device-copy-csrf.test.ts. */
  | 'member'
  /** An admin's live session: test/admin/authorization.test.ts walks every /admin route. */
  | 'admin'
  /** A Bearer admin API token, never a cookie (so no CSRF): route-access.test.ts. */
  | 'admin-token-api'
  /** The public license API: JSON, no cookies, rate limited: brute-force-audit.test.ts. */
  | 'license-api'
  /** Signed by the sender (Lynk, Hesda): route-access.test.ts and test/webhooks/*. */
  | 'webhook'
  /** METRICS_TOKEN bearer: test/auth/protected-routes.test.ts. */
  | 'metrics-token'
  /** Static CSS and browser bundles. */
  | 'asset'
  /** An old system's URL that answers 410 whatever is sent, reading and changing nothing: test/legacy-import/console-and-old-urls.test.ts. */
  | 'gone';

const CLASSES: Record<string, RouteClass> = {
  '/': 'public',
  '/healthz': 'public',
  '/readyz': 'public',
  '/setup': 'public',
  '/login': 'public',
  '/login/ambil-alih': 'public',
  '/login/batal': 'public',
  '/login/tautan': 'public',
  '/login/tautan/kirim': 'public',
  '/logout': 'public',
  '/auth/logout': 'public',
  '/akun/atur-sandi': 'public',
  '/login/lupa-sandi': 'public',
  // The email-change link is opened in whichever browser reads the new mailbox.
  '/akun/email/konfirmasi': 'public',
  '/cekfingerprint': 'gone',
  '/akun/sandi-baru': 'member',
  '/akun': 'member',
  '/akun/sandi': 'member',
  '/akun/email': 'member',
  '/webhook/lynk': 'webhook',
  '/webhooks/ppob': 'webhook',
  '/api/licenses/activate': 'license-api',
  '/api/licenses/validate': 'license-api',
  '/api/licenses/deactivate': 'license-api',
  // CORS preflights of the license API (OPTIONS only: no state, no cookies).
  '/api/licenses/*': 'license-api',
  // The public keys of license tokens.
  '/.well-known/gerbang-license-keys.json': 'public',
  '/api/admin/ppob/orders': 'admin-token-api',
  '/api/admin/ppob/transactions': 'admin-token-api',
  '/api/session': 'member',
  '/api/realtime/stream': 'member',
  '/api/realtime/attendance-stream': 'member',
  '/member': 'member',
  '/member/lisensi': 'member',
  '/member/lisensi/aktivasi/:id/lepas': 'member',
  '/member/lisensi/:id/minta-reset': 'member',
  '/member/perangkat': 'member',
  '/member/perangkat/:id/akhiri': 'member',
  // The emailed reset confirmation: the one-time token is the credential (like /akun/atur-sandi).
  '/reset-pelepasan': 'public',
  '/member/produk/:licenseId': 'member',
  '/member/produk/:licenseId/buka': 'member',
  '/member/video': 'member',
  '/member/produk': 'member',
  '/member/konten/:item/unduh': 'member',
  '/member/transaksi': 'member',
  '/metrics': 'metrics-token',
  '/assets/gerbang.css': 'asset',
  '/assets/login.js': 'asset',
  '/assets/brand.css': 'asset',
  '/assets/logo': 'asset',
  '/assets/favicon.svg': 'asset',
  '/assets/copy.js': 'asset',
  '/assets/member.js': 'asset',
};

export interface ClassifiedRoute {
  method: string;
  url: string;
  kind: RouteClass;
}

/** The console is one class by its prefix: authorization.test.ts walks exactly the routes under it. */
function classOf(url: string): RouteClass | undefined {
  if (url === '/admin' || url.startsWith('/admin/')) return 'admin';
  return Object.hasOwn(CLASSES, url) ? CLASSES[url] : undefined;
}

/** Registered routes nobody has classified (HEAD twins of GET routes included). */
export function unclassifiedRoutes(app: FastifyInstance): string[] {
  return app.routeTable.filter((r) => classOf(r.url) === undefined).map((r) => `${r.method} ${r.url}`);
}

/** Classified URLs no longer registered: a stale entry would make a walk silently smaller. */
export function staleClassifications(app: FastifyInstance): string[] {
  const registered = new Set(app.routeTable.map((r) => r.url));
  return Object.keys(CLASSES).filter((url) => !registered.has(url));
}

/** The registered routes of a class (HEAD left out: Fastify answers it with the GET handler). */
export function routesOf(app: FastifyInstance, kind: RouteClass): ClassifiedRoute[] {
  return app.routeTable
    .filter((r) => r.method !== 'HEAD' && classOf(r.url) === kind)
    .map((r) => ({ method: r.method, url: r.url, kind }));
}

/** Every state-changing route (the CSRF walk's list). */
export function stateChangingRoutes(app: FastifyInstance): ClassifiedRoute[] {
  return app.routeTable
    .filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method))
    .map((r) => ({ method: r.method, url: r.url, kind: classOf(r.url) ?? 'public' }));
}

/** A URL with its :params filled from `ids` (a param with no value is left for the caller to notice). */
export function fillParams(url: string, ids: Record<string, number | string>): string {
  return url.replaceAll(/:([A-Za-z]+)/g, (whole, name: string) =>
    Object.hasOwn(ids, name) ? String(ids[name]) : whole,
  );
}
