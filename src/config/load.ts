import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type { ProductRule } from './schema.js';
import { envSchema } from './schema.js';
import { loadOrCreateDevSecrets } from './secrets.js';
import type { TrustProxy } from './trust-proxy.js';

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string; synchronous: 'FULL' | 'NORMAL' }
  | { kind: 'postgres'; url: string };

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  /** PostgreSQL connections this instance's pool may open (the LISTEN connection is one more). */
  readonly databasePoolSize: number;
  /**
   * The server's bound on the database: waiting for a PostgreSQL connection, and each statement
   * (server- and client-side); SQLite's busy wait, capped lower (src/db/connect.ts).
   */
  readonly databaseStatementTimeoutMs: number;
  /** How long `serve` retries an unreachable database at start (DB_CONNECT_TIMEOUT_SECONDS). */
  readonly databaseConnectTimeoutMs: number;
  readonly publicUrl: string;
  readonly logLevel: string;
  /** pretty: pino-pretty lines (when installed: a development dependency) · json. */
  readonly logFormat: 'json' | 'pretty';
  readonly trustProxy: TrustProxy;
  /** The HTTP listener's limits against slow or piled-up connections (src/connection-cap.ts, app.ts). */
  readonly http: { readonly requestTimeoutMs: number; readonly maxConnectionsPerIp: number };
  /** Signs the CSRF cookie (sessions are random tokens looked up in the database, not signed). */
  readonly cookieSecret: string;
  /** COOKIE_SECRET as a list: the first signs, every one verifies (a rotation). */
  readonly cookieSecrets: readonly string[];
  readonly lynkMerchantKey: string;
  /** LYNK_MERCHANT_KEY_PREVIOUS during a key rotation: still accepted until `until`. */
  readonly lynkMerchantKeyPrevious: PreviousKey | undefined;
  readonly products: { readonly memberTitles: readonly string[]; readonly rules: readonly ProductRule[] };
  readonly initialPasswordPolicy: 'random' | 'phone';
  readonly licensePrefix: string;
  readonly setPasswordLinkTtlMs: number;
  /** WhatsApp delivery (src/mail/whatsapp.ts); null: off. */
  readonly whatsapp: { readonly gateway: 'fonnte'; readonly url: string; readonly token: string } | null;
  readonly mail: {
    /** smtp: SMTP_URL; dev: kept in the outbox as the dev mailbox; none: never sent (a shop without mail). */
    readonly transport: MailTransportKind;
    /** MAIL_PAUSED: queued, not sent, until the server runs without it. */
    readonly paused: boolean;
    readonly smtpUrl: string | undefined;
    readonly from: string;
    readonly maxAttempts: number;
    readonly retryBaseMs: number;
    readonly pollIntervalMs: number;
    readonly leaseMs: number;
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
    /** "Tetap gunakan di sini" allowed per member per window (0: no limit); a membership rule may override it. */
    readonly takeoverLimit: number;
    readonly takeoverWindowMs: number;
    /** How buyers reach the seller (SELLER_CONTACT), or undefined. */
    readonly sellerContact: string | undefined;
    /** Login links also go to the member's WhatsApp (WHATSAPP_GATEWAY). */
    readonly whatsappLinks: boolean;
  };
  /** Device releases per license per 30 days (0: no limit) and how a reset past it is granted. */
  readonly licenseTransfers: { readonly maxPer30Days: number; readonly resetPolicy: 'approve' | 'monthly' };
  /** Embed URL of a player: the members' content while no membership product has content of its own. */
  readonly memberVideoUrl: string | undefined;
  /** Per-product content: upload limit, and the largest PDF stamped per buyer (bytes). */
  readonly content: { readonly maxUploadBytes: number; readonly stampMaxBytes: number };
  readonly realtime: {
    readonly heartbeatMs: number;
    /** Open event streams at once per session and per client IP, on this instance. */
    readonly maxStreamsPerSession: number;
    readonly maxStreamsPerIp: number;
    /** Descriptors kept free of streams: the instance holds at most `ulimit -n` minus this many. */
    readonly fdHeadroom: number;
  };
  /** Time zone of times shown on pages ("terakhir aktif …"). */
  readonly displayTimeZone: string;
  /** Bearer token for GET /metrics; without it the endpoint does not exist. */
  readonly metricsToken: string | undefined;
  /** Hesda PPOB: ordering needs apiUrl; the webhook needs secretKey (without it every delivery is refused). */
  readonly ppob: {
    readonly apiUrl: string | undefined;
    readonly apiKey: string | undefined;
    /** `Authorization` sends `Bearer <key>`; any other header carries the key as is. */
    readonly apiKeyHeader: string;
    readonly secretKey: string | undefined;
    /** HESDA_SECRET_KEY_PREVIOUS during a key rotation: still accepted until `until`. */
    readonly secretKeyPrevious: PreviousKey | undefined;
    readonly timeoutMs: number;
    /** PUBLIC_URL + /webhooks/ppob, sent with every order. */
    readonly callbackUrl: string;
  };
  /** Rate limits of the public license API (/api/licenses/*), per client IP and per license key. */
  readonly licenseApi: {
    readonly windowMs: number;
    readonly maxPerIp: number;
    readonly maxPerKey: number;
    /** Origins whose pages may read the API's answers (CORS); '*' for any (the API uses no cookies). */
    readonly corsOrigins: '*' | readonly string[];
  };
  /** Refused webhook deliveries: per-IP limit per minute (this instance) and how long they are kept. */
  readonly webhooks: { readonly maxRefusedPerIp: number; readonly rejectedRetentionMs: number };
  /** Signed license tokens for offline checks (src/licenses/token.ts). */
  readonly licenseTokens: { readonly enabled: boolean; readonly graceDays: number };
  /** Outgoing webhooks (src/webhooks-out/): how long a delivery is retried, and one call's deadline. */
  readonly webhooksOut: { readonly retryMs: number; readonly timeoutMs: number };
  /** Names of secrets generated for development (printed at start so a newcomer can use them). */
  readonly generatedSecrets: readonly GeneratedSecret[];
}

/** The old webhook key during a rotation (docs/SECURITY.md): accepted beside the new one for a window. */
export interface PreviousKey {
  readonly key: string;
  /** Epoch ms after which it is refused; undefined: until the operator removes the variable. */
  readonly until: number | undefined;
}

export type MailTransportKind = 'smtp' | 'dev' | 'none';

export type GeneratedSecret = 'COOKIE_SECRET' | 'LYNK_MERCHANT_KEY' | 'HESDA_SECRET_KEY';

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/**
 * Reads `.env` (if present) beneath the real environment: a variable set in the environment wins.
 * Given the values of an environment file (`gerbang --env-file`), those are read instead of `.env`.
 */
export function readEnvironment(
  cwd: string,
  env: NodeJS.ProcessEnv,
  envFile?: Record<string, string>,
): Record<string, string | undefined> {
  const file = join(cwd, '.env');
  const fromFile = envFile ?? (existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {});
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
  if (e.WHATSAPP_GATEWAY === 'fonnte' && !e.FONNTE_TOKEN)
    errors.push('FONNTE_TOKEN: wajib bila WHATSAPP_GATEWAY=fonnte (salin token perangkat dari dasbor Fonnte)');
  const generated: GeneratedSecret[] = [];
  let cookieSecrets = e.COOKIE_SECRET;
  let lynkMerchantKey = e.LYNK_MERCHANT_KEY;
  let hesdaSecretKey = e.HESDA_SECRET_KEY;
  const lynkMerchantKeyPrevious = previousKey(
    'LYNK_MERCHANT_KEY',
    e.LYNK_MERCHANT_KEY,
    e.LYNK_MERCHANT_KEY_PREVIOUS,
    e.LYNK_MERCHANT_KEY_PREVIOUS_UNTIL,
    errors,
  );
  const hesdaSecretKeyPrevious = previousKey(
    'HESDA_SECRET_KEY',
    e.HESDA_SECRET_KEY,
    e.HESDA_SECRET_KEY_PREVIOUS,
    e.HESDA_SECRET_KEY_PREVIOUS_UNTIL,
    errors,
  );
  const devHesdaSecret = wantsDevHesdaSecret(e.HESDA_API_URL, hesdaSecretKey, cookieSecrets?.[0], lynkMerchantKey);
  const mailTransport = mailTransportOf(e, errors);

  if (e.NODE_ENV === 'production') {
    if (!cookieSecrets) errors.push('COOKIE_SECRET: wajib di production (buat dengan: openssl rand -base64 48)');
    if (!lynkMerchantKey)
      errors.push('LYNK_MERCHANT_KEY: wajib di production (salin "merchant key" dari dasbor Lynk.id → Webhook)');
    if (!e.PUBLIC_URL) errors.push('PUBLIC_URL: wajib di production (mis. https://toko.example.com)');
    // PPOB is optional: its keys are required only once HESDA_API_URL says it is used.
    if (e.HESDA_API_URL && !e.HESDA_API_KEY)
      errors.push('HESDA_API_KEY: wajib di production bila HESDA_API_URL diisi (salin API key dari dasbor Hesda)');
    if (e.HESDA_API_URL && !hesdaSecretKey)
      errors.push(
        'HESDA_SECRET_KEY: wajib di production bila HESDA_API_URL diisi (salin secret key webhook dari dasbor Hesda)',
      );
  } else if (!cookieSecrets || !lynkMerchantKey || devHesdaSecret) {
    const { secrets } = loadOrCreateDevSecrets(dataDir);
    if (!cookieSecrets) {
      cookieSecrets = [secrets.cookieSecret];
      generated.push('COOKIE_SECRET');
    }
    if (!lynkMerchantKey) {
      lynkMerchantKey = secrets.lynkMerchantKey;
      generated.push('LYNK_MERCHANT_KEY');
    }
    if (devHesdaSecret) {
      hesdaSecretKey = secrets.hesdaSecretKey;
      generated.push('HESDA_SECRET_KEY');
    }
  }
  const cookieSecret = cookieSecrets?.[0];
  if (errors.length > 0 || !cookieSecrets || !cookieSecret || !lynkMerchantKey || !mailTransport)
    return { ok: false, errors };

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
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseStatementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    databaseConnectTimeoutMs: e.DB_CONNECT_TIMEOUT_SECONDS * 1000,
    publicUrl,
    logLevel: e.LOG_LEVEL,
    logFormat:
      e.LOG_FORMAT === 'auto'
        ? e.NODE_ENV === 'development' && process.stdout.isTTY === true
          ? 'pretty'
          : 'json'
        : e.LOG_FORMAT,
    trustProxy: e.TRUST_PROXY,
    http: { requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_SECONDS * 1000, maxConnectionsPerIp: e.MAX_CONNECTIONS_PER_IP },
    cookieSecret,
    cookieSecrets,
    lynkMerchantKey,
    lynkMerchantKeyPrevious,
    products: { memberTitles: e.MEMBER_PRODUCT_TITLES, rules: e.PRODUCT_RULES },
    initialPasswordPolicy: e.INITIAL_PASSWORD_POLICY,
    licensePrefix: e.LICENSE_PREFIX,
    setPasswordLinkTtlMs: e.SET_PASSWORD_LINK_TTL_HOURS * 3_600_000,
    whatsapp:
      e.WHATSAPP_GATEWAY === 'fonnte' && e.FONNTE_TOKEN
        ? { gateway: 'fonnte', url: e.FONNTE_URL, token: e.FONNTE_TOKEN }
        : null,
    mail: {
      transport: mailTransport,
      paused: e.MAIL_PAUSED,
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM,
      maxAttempts: e.MAIL_MAX_ATTEMPTS,
      retryBaseMs: e.MAIL_RETRY_BASE_SECONDS * 1000,
      pollIntervalMs: e.MAIL_POLL_INTERVAL_MS,
      leaseMs: e.MAIL_LEASE_SECONDS * 1000,
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
      takeoverLimit: e.TAKEOVER_LIMIT,
      takeoverWindowMs: e.TAKEOVER_WINDOW_HOURS * 3_600_000,
      sellerContact: e.SELLER_CONTACT,
      whatsappLinks: e.WHATSAPP_GATEWAY !== 'none',
    },
    licenseTransfers: { maxPer30Days: e.LICENSE_MAX_TRANSFERS, resetPolicy: e.LICENSE_TRANSFER_RESET },
    memberVideoUrl: e.MEMBER_VIDEO_URL,
    content: {
      maxUploadBytes: e.CONTENT_MAX_UPLOAD_MB * 1024 * 1024,
      stampMaxBytes: e.CONTENT_STAMP_MAX_MB * 1024 * 1024,
    },
    realtime: {
      heartbeatMs: e.REALTIME_HEARTBEAT_SECONDS * 1000,
      maxStreamsPerSession: e.REALTIME_MAX_STREAMS_PER_SESSION,
      maxStreamsPerIp: e.REALTIME_MAX_STREAMS_PER_IP,
      fdHeadroom: e.REALTIME_FD_HEADROOM,
    },
    displayTimeZone: e.DISPLAY_TIMEZONE,
    metricsToken: e.METRICS_TOKEN,
    ppob: {
      apiUrl: e.HESDA_API_URL?.replace(/\/+$/, ''),
      apiKey: e.HESDA_API_KEY,
      apiKeyHeader: e.HESDA_API_KEY_HEADER,
      secretKey: hesdaSecretKey,
      secretKeyPrevious: hesdaSecretKeyPrevious,
      timeoutMs: Math.round(e.HESDA_TIMEOUT_SECONDS * 1000),
      callbackUrl: `${publicUrl}/webhooks/ppob`,
    },
    licenseApi: {
      windowMs: e.LICENSE_API_RATE_WINDOW_SECONDS * 1000,
      maxPerIp: e.LICENSE_API_MAX_PER_IP,
      maxPerKey: e.LICENSE_API_MAX_PER_KEY,
      corsOrigins: e.LICENSE_API_CORS_ORIGINS,
    },
    licenseTokens: { enabled: e.LICENSE_TOKENS, graceDays: e.LICENSE_TOKEN_GRACE_DAYS },
    webhooksOut: {
      retryMs: e.WEBHOOK_OUT_RETRY_DAYS * 86_400_000,
      timeoutMs: e.WEBHOOK_OUT_TIMEOUT_SECONDS * 1000,
    },
    webhooks: {
      maxRefusedPerIp: e.WEBHOOK_MAX_REFUSED_PER_IP,
      rejectedRetentionMs: e.REJECTED_RETENTION_DAYS * 86_400_000,
    },
    generatedSecrets: generated,
  };
  return { ok: true, config: deepFreeze(config) };
}

/**
 * The `<name>_PREVIOUS` key of a rotation, checked against the current one: a previous key equal to
 * the current one (the operator pasted the new key twice) or standing alone (the new key was never
 * set) would silently verify nothing new, so both are refused at boot with what to do instead.
 */
function previousKey(
  name: 'LYNK_MERCHANT_KEY' | 'HESDA_SECRET_KEY',
  current: string | undefined,
  previous: string | undefined,
  until: number | undefined,
  errors: string[],
): PreviousKey | undefined {
  if (previous === undefined) {
    if (until !== undefined)
      errors.push(
        `${name}_PREVIOUS_UNTIL: diisi tanpa ${name}_PREVIOUS; hapus, atau isi ${name}_PREVIOUS dengan kunci lama`,
      );
    return undefined;
  }
  if (current === undefined) {
    errors.push(`${name}_PREVIOUS: butuh ${name} (kunci baru) juga; kunci lama saja tidak cukup untuk rotasi`);
    return undefined;
  }
  if (previous === current) {
    errors.push(
      `${name}_PREVIOUS: sama dengan ${name}; isi ${name} dengan kunci baru dan ${name}_PREVIOUS dengan kunci lama`,
    );
    return undefined;
  }
  return { key: previous, until };
}

/**
 * How mail leaves. Production never falls back to the dev mailbox: a shop that went live without
 * SMTP_URL kept every buyer's mail on the server. A shop without mail says so (MAIL_TRANSPORT=none).
 */
function mailTransportOf(
  e: { NODE_ENV: string; SMTP_URL?: string | undefined; MAIL_TRANSPORT?: MailTransportKind | undefined },
  errors: string[],
): MailTransportKind | undefined {
  const chosen = e.MAIL_TRANSPORT ?? (e.SMTP_URL ? 'smtp' : undefined);
  if (chosen === 'smtp' && !e.SMTP_URL) {
    errors.push('SMTP_URL: wajib bila MAIL_TRANSPORT=smtp (mis. smtps://user:sandi@mail.example.com:465)');
    return undefined;
  }
  if (e.NODE_ENV !== 'production') return chosen ?? 'dev';
  if (chosen === undefined) {
    errors.push(
      'SMTP_URL: wajib di production, tanpanya email pembeli tidak terkirim (mis. smtps://user:sandi@mail.example.com:465); toko tanpa email: setel MAIL_TRANSPORT=none',
    );
    return undefined;
  }
  if (chosen === 'dev') {
    errors.push('MAIL_TRANSPORT: "dev" hanya untuk pengembangan; di production pakai smtp (SMTP_URL) atau none');
    return undefined;
  }
  return chosen;
}

/**
 * A development Hesda secret is generated when PPOB is configured or the dev-secrets file is being
 * used anyway: a developer who set both other secrets and no Hesda URL gets no file written.
 */
function wantsDevHesdaSecret(
  apiUrl: string | undefined,
  secret: string | undefined,
  cookieSecret: string | undefined,
  lynkMerchantKey: string | undefined,
): boolean {
  return !secret && (apiUrl !== undefined || !cookieSecret || !lynkMerchantKey);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
