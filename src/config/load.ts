import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type { ProductRule } from './schema.js';
import { envSchema } from './schema.js';
import { loadOrCreateDevSecrets } from './secrets.js';

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string; synchronous: 'FULL' | 'NORMAL' }
  | { kind: 'postgres'; url: string };

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly publicUrl: string;
  readonly logLevel: string;
  readonly trustProxy: boolean;
  readonly cookieSecret: string;
  readonly lynkMerchantKey: string;
  readonly products: { readonly memberTitles: readonly string[]; readonly rules: readonly ProductRule[] };
  readonly initialPasswordPolicy: 'random' | 'phone';
  readonly licensePrefix: string;
  readonly setPasswordLinkTtlMs: number;
  readonly mail: {
    readonly smtpUrl: string | undefined;
    readonly from: string;
    readonly maxAttempts: number;
    readonly retryBaseMs: number;
    readonly pollIntervalMs: number;
  };
  readonly auth: {
    readonly maxDevicesPerMember: number;
    /** Devices an admin may be signed in on at once; undefined: no limit (admins are not members). */
    readonly adminMaxDevices: number | undefined;
    readonly sessionIdleMs: number;
    readonly sessionMaxAgeMs: number;
    readonly loginLinkTtlMs: number;
    readonly rateWindowMs: number;
    readonly maxFailuresPerAccount: number;
    readonly maxAttemptsPerIp: number;
  };
  /** Embed URL of the member video page's player (an iframe), if any. */
  readonly memberVideoUrl: string | undefined;
  readonly realtime: { readonly heartbeatMs: number };
  /** Time zone of times shown on pages ("terakhir aktif …"). */
  readonly displayTimeZone: string;
  /** Bearer token for GET /metrics; without it the endpoint does not exist. */
  readonly metricsToken: string | undefined;
  /** Names of secrets generated for development (printed at start so a newcomer can use them). */
  readonly generatedSecrets: readonly ('COOKIE_SECRET' | 'LYNK_MERCHANT_KEY')[];
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/** Reads `.env` (if present) beneath the real environment: a variable set in the environment wins. */
export function readEnvironment(cwd: string, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const file = join(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  // An empty variable means "not set", as in most twelve-factor tools.
  for (const [k, v] of Object.entries(merged)) if (v === '') delete merged[k];
  return merged;
}

/**
 * Validates the whole environment at once and lists every problem (one line per variable),
 * then returns a frozen config. Development secrets are generated under DATA_DIR when absent;
 * in production a missing secret is an error with a fix-it hint.
 */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): ConfigResult {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(lingkungan)';
      return `${name}: ${issue.message}`;
    });
    return { ok: false, errors };
  }
  const e = parsed.data;
  const dataDir = isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(cwd, e.DATA_DIR);
  const errors: string[] = [];
  const generated: ('COOKIE_SECRET' | 'LYNK_MERCHANT_KEY')[] = [];
  let cookieSecret = e.COOKIE_SECRET;
  let lynkMerchantKey = e.LYNK_MERCHANT_KEY;

  if (e.NODE_ENV === 'production') {
    if (!cookieSecret) errors.push('COOKIE_SECRET: wajib di production (buat dengan: openssl rand -base64 48)');
    if (!lynkMerchantKey)
      errors.push('LYNK_MERCHANT_KEY: wajib di production (salin "merchant key" dari dasbor Lynk.id → Webhook)');
    if (!e.PUBLIC_URL) errors.push('PUBLIC_URL: wajib di production (mis. https://toko.example.com)');
  } else if (!cookieSecret || !lynkMerchantKey) {
    const { secrets } = loadOrCreateDevSecrets(dataDir);
    if (!cookieSecret) {
      cookieSecret = secrets.cookieSecret;
      generated.push('COOKIE_SECRET');
    }
    if (!lynkMerchantKey) {
      lynkMerchantKey = secrets.lynkMerchantKey;
      generated.push('LYNK_MERCHANT_KEY');
    }
  }
  if (errors.length > 0 || !cookieSecret || !lynkMerchantKey) return { ok: false, errors };

  const publicUrl = (e.PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(
    /\/+$/,
    '',
  );
  const config: Config = {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'sqlite', file: join(dataDir, 'gerbang.db'), synchronous: e.SQLITE_SYNCHRONOUS },
    publicUrl,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    cookieSecret,
    lynkMerchantKey,
    products: { memberTitles: e.MEMBER_PRODUCT_TITLES, rules: e.PRODUCT_RULES },
    initialPasswordPolicy: e.INITIAL_PASSWORD_POLICY,
    licensePrefix: e.LICENSE_PREFIX,
    setPasswordLinkTtlMs: e.SET_PASSWORD_LINK_TTL_HOURS * 3_600_000,
    mail: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM,
      maxAttempts: e.MAIL_MAX_ATTEMPTS,
      retryBaseMs: e.MAIL_RETRY_BASE_SECONDS * 1000,
      pollIntervalMs: e.MAIL_POLL_INTERVAL_MS,
    },
    auth: {
      maxDevicesPerMember: e.MAX_DEVICES_PER_MEMBER,
      adminMaxDevices: e.ADMIN_MAX_DEVICES,
      sessionIdleMs: e.SESSION_IDLE_TIMEOUT_HOURS * 3_600_000,
      sessionMaxAgeMs: e.SESSION_MAX_AGE_DAYS * 86_400_000,
      loginLinkTtlMs: e.LOGIN_LINK_TTL_MINUTES * 60_000,
      rateWindowMs: e.LOGIN_RATE_WINDOW_MINUTES * 60_000,
      maxFailuresPerAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxAttemptsPerIp: e.LOGIN_MAX_ATTEMPTS_PER_IP,
    },
    memberVideoUrl: e.MEMBER_VIDEO_URL,
    realtime: { heartbeatMs: e.REALTIME_HEARTBEAT_SECONDS * 1000 },
    displayTimeZone: e.DISPLAY_TIMEZONE,
    metricsToken: e.METRICS_TOKEN,
    generatedSecrets: generated,
  };
  return { ok: true, config: deepFreeze(config) };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
