import { z } from 'zod';
import { issuesText } from '../shared/zod-issues.js';
import { smtpUrlProblem } from './smtp-url.js';
import { trustProxySchema } from './trust-proxy.js';

// Zod's own messages (a config error, a form's detail) in Indonesian, like every other word on
// screen. Global to zod, set here because the configuration is parsed before anything else.
z.config(z.locales.id());

/** Zod's Indonesian locale still names types in English ("diharapkan number"): name them in Indonesian. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  number: 'angka',
  int: 'bilangan bulat',
  bigint: 'angka',
  string: 'teks',
  boolean: 'ya/tidak',
  object: 'objek',
  array: 'daftar',
  date: 'tanggal',
  undefined: 'kosong',
  null: 'kosong',
};
const typeWord = (type: string) => TYPE_WORDS[type] ?? type;
const received = (input: unknown) =>
  input === null ? 'null' : Array.isArray(input) ? 'array' : input instanceof Date ? 'date' : typeof input;
/** "karakter" for text, "item" for lists; numbers need no unit. */
const UNITS: Readonly<Record<string, string>> = { string: ' karakter', array: ' item', set: ' item', file: ' byte' };
z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type')
      return issue.input === undefined
        ? `Wajib diisi (${typeWord(issue.expected)}).`
        : `Harus berupa ${typeWord(issue.expected)}, bukan ${typeWord(received(issue.input))}.`;
    if (issue.code === 'too_small' || issue.code === 'too_big') {
      const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const strict = issue.inclusive === false;
      const word =
        issue.code === 'too_small'
          ? strict
            ? 'Harus lebih dari'
            : 'Minimal'
          : strict
            ? 'Harus kurang dari'
            : 'Maksimal';
      return `${word} ${String(limit)}${UNITS[issue.origin] ?? ''}.`;
    }
    return undefined;
  },
});

/** Every environment variable Gerbang reads, with its default; docs/CONFIG.md documents each (test/docs/config.test.ts). */

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const commaList = z.string().transform((s) =>
  s
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0),
);

/** A yes/no switch written as 1/0, true/false, yes/no. */
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'], { message: 'isi 1 atau 0' })
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/** Several cookie secrets for a rotation, comma-separated: the first signs, every one verifies. */
const cookieSecrets = commaList.pipe(
  z.array(z.string().min(32, 'setiap rahasia minimal 32 karakter')).min(1, 'minimal satu rahasia'),
);

/** An instant with its zone (2026-12-31T17:00:00Z, 2027-01-01T00:00:00+07:00), as epoch ms. */
const isoInstant = z.iso
  .datetime({ offset: true, message: 'harus berupa waktu ISO 8601 dengan zona, mis. 2026-12-31T17:00:00Z' })
  .transform((text) => Date.parse(text));

/** The longest offline grace a product may give (a retired signing key stays published this long). */
export const MAX_OFFLINE_GRACE_DAYS = 365;

/** Web origins allowed to call the license API from a page: `*` (any) or `https://app.example.com,…`. */
const corsOrigins = z.string().transform((text, ctx) => {
  const items = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  if (items.length === 1 && items[0] === '*') return '*' as const;
  for (const item of items) {
    let origin: string | null = null;
    try {
      origin = new URL(item).origin;
    } catch {}
    if (origin === null || origin === 'null' || origin !== item.replace(/\/+$/, ''))
      ctx.addIssue({ code: 'custom', message: `"${item}" bukan origin (mis. https://app.example.com, tanpa path)` });
  }
  return items.map((item) => item.replace(/\/+$/, ''));
});

/** A product rule maps a Lynk product (by uuid or exact title) to what a payment for it does. */
export const productRuleSchema = z
  .object({
    uuid: z.string().min(1).optional(),
    title: z.string().min(1).optional(),
    action: z.enum(['member', 'license']),
    maxDevices: z.number().int().positive().max(1000).default(1),
    validityDays: z.number().int().positive().max(36_500).optional(),
    // One device too many: refuse it (409 with the devices in use) or move the license to it,
    // ending the oldest activation (its open page is closed live).
    onLimit: z.enum(['refuse', 'takeover']).default('refuse'),
    // How long a license token lets the seller's app work offline (LICENSE_TOKEN_GRACE_DAYS if absent).
    offlineGraceDays: z.number().int().positive().max(MAX_OFFLINE_GRACE_DAYS).optional(),
    // License rules: device releases allowed per 30 days (LICENSE_MAX_TRANSFERS if absent; 0: none).
    maxTransfers: z.number().int().min(0).max(1000).optional(),
    // Membership rules: takeovers per TAKEOVER_WINDOW_HOURS for members it registers (TAKEOVER_LIMIT if absent).
    takeoverLimit: z.number().int().min(0).max(1000).optional(),
    // A membership's page to buy it again, linked from the reminder mails and the renewal page.
    renewUrl: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .optional(),
  })
  .refine((r) => r.uuid !== undefined || r.title !== undefined, {
    message: 'setiap aturan produk butuh "uuid" atau "title"',
  });
export type ProductRule = z.infer<typeof productRuleSchema>;

const productRules = z.string().transform((text, ctx) => {
  if (text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'bukan JSON yang valid (harus berupa array aturan)' });
    return z.NEVER;
  }
  const result = z.array(productRuleSchema).safeParse(parsed);
  if (!result.success) {
    ctx.addIssue({ code: 'custom', message: issuesText(result.error) });
    return z.NEVER;
  }
  return result.data;
});

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'harus berupa URL postgres://… (kosongkan untuk SQLite di DATA_DIR)')
    .optional(),
  DATABASE_POOL_SIZE: positiveInt.max(200).default(10),
  // How long `serve` keeps trying to reach the database at start (it may boot after us) before exiting 1.
  DB_CONNECT_TIMEOUT_SECONDS: positiveInt.max(3600).default(60),
  // The server's wait for a connection and for each statement; a webhook answers 503 within twice this.
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.min(100).max(600_000).default(2500),
  SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // auto: readable lines (pino-pretty) in development on a terminal, JSON otherwise.
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  TRUST_PROXY: trustProxySchema.default({ kind: 'none' }),
  // Per remote address, not counting trusted proxies (src/connection-cap.ts).
  MAX_CONNECTIONS_PER_IP: positiveInt.max(100_000).default(100),
  // Headers and body of one request must have arrived by then (slow-body attacks); streams are unaffected.
  HTTP_REQUEST_TIMEOUT_SECONDS: positiveInt.max(600).default(30),
  COOKIE_SECRET: cookieSecrets.optional(),
  LYNK_MERCHANT_KEY: z.string().min(8, 'minimal 8 karakter').optional(),
  // Key rotation: the old key keeps verifying (until the instant, if given) while Lynk switches.
  LYNK_MERCHANT_KEY_PREVIOUS: z.string().min(8, 'minimal 8 karakter').optional(),
  LYNK_MERCHANT_KEY_PREVIOUS_UNTIL: isoInstant.optional(),
  MEMBER_PRODUCT_TITLES: commaList.default(['Daftar Member KEI']),
  PRODUCT_RULES: productRules.default([]),
  INITIAL_PASSWORD_POLICY: z.enum(['random', 'phone']).default('random'),
  LICENSE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9-]{0,16}$/, 'hanya huruf, angka dan "-", paling panjang 16')
    .default('KEI-'),
  SET_PASSWORD_LINK_TTL_HOURS: positiveInt.max(24 * 30).default(72),
  SMTP_URL: z
    .string()
    .superRefine((text, ctx) => {
      const problem = smtpUrlProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  // smtp (needs SMTP_URL), dev (kept in the outbox: development only) or none (a shop without mail).
  MAIL_TRANSPORT: z.enum(['smtp', 'dev', 'none']).optional(),
  // Mail is queued but not sent (a restored copy, a test run); it goes out once unpaused.
  MAIL_PAUSED: flag.default(false),
  // Licenses and login links also by WhatsApp, through a gateway (off by default).
  WHATSAPP_GATEWAY: z.enum(['none', 'fonnte']).default('none'),
  FONNTE_TOKEN: z.string().min(1).optional(),
  FONNTE_URL: z.url({ protocol: /^https?$/ }).default('https://api.fonnte.com'),
  MAIL_FROM: z.string().min(3).default('Gerbang <no-reply@localhost>'),
  MAIL_MAX_ATTEMPTS: positiveInt.max(100).default(10),
  MAIL_RETRY_BASE_SECONDS: z.coerce.number().positive().max(3600).default(30),
  MAIL_POLL_INTERVAL_MS: positiveInt.max(3_600_000).default(60_000),
  // How long a claimed mail stays a worker's; a worker killed mid-send lets it go after this.
  MAIL_LEASE_SECONDS: positiveInt.min(5).max(3600).default(120),
  MAX_DEVICES_PER_MEMBER: positiveInt.max(100).default(1),
  ADMIN_MAX_DEVICES: positiveInt.max(100).optional(),
  // "Tetap gunakan di sini" per member per window; 0 turns the limit off.
  TAKEOVER_LIMIT: z.coerce.number().int().min(0).max(1000).default(3),
  TAKEOVER_WINDOW_HOURS: positiveInt.max(24 * 30).default(24),
  // How buyers reach the seller, named wherever a limit sends them to the seller.
  SELLER_CONTACT: z.string().trim().min(3).max(200).optional(),
  SESSION_IDLE_TIMEOUT_HOURS: positiveInt.max(24 * 365).default(24 * 7),
  SESSION_MAX_AGE_DAYS: positiveInt.max(365).default(30),
  LOGIN_LINK_TTL_MINUTES: positiveInt.max(24 * 60).default(30),
  LOGIN_RATE_WINDOW_MINUTES: positiveInt.max(24 * 60).default(15),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: positiveInt.max(1000).default(5),
  LOGIN_MAX_ATTEMPTS_PER_IP: positiveInt.max(100_000).default(30),
  MEMBER_VIDEO_URL: z.url({ protocol: /^https?$/ }).optional(),
  // Per-product content (src/content/): the largest file the console accepts, and the largest PDF
  // stamped per buyer (pdf-lib holds a whole document in memory while it stamps).
  CONTENT_MAX_UPLOAD_MB: positiveInt.max(10_240).default(200),
  CONTENT_STAMP_MAX_MB: positiveInt.max(1024).default(50),
  REALTIME_HEARTBEAT_SECONDS: positiveInt.max(20).default(15),
  // Tabs of one browser share one stream (Web Locks); browsers without them open one per tab.
  REALTIME_MAX_STREAMS_PER_SESSION: positiveInt.max(1000).default(8),
  REALTIME_MAX_STREAMS_PER_IP: positiveInt.max(100_000).default(100),
  // Descriptors kept free of event streams (webhooks, logins, the database, log files need them).
  REALTIME_FD_HEADROOM: positiveInt.max(1_000_000).default(500),
  DISPLAY_TIMEZONE: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('id-ID', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'bukan zona waktu IANA (mis. Asia/Jakarta)')
    .default('Asia/Jakarta'),
  METRICS_TOKEN: z.string().min(16, 'minimal 16 karakter').optional(),
  HESDA_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  HESDA_API_KEY: z.string().min(1).optional(),
  HESDA_API_KEY_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'nama header HTTP (huruf, angka, "-")')
    .default('Authorization'),
  HESDA_SECRET_KEY: z.string().min(8, 'minimal 8 karakter').optional(),
  HESDA_SECRET_KEY_PREVIOUS: z.string().min(8, 'minimal 8 karakter').optional(),
  HESDA_SECRET_KEY_PREVIOUS_UNTIL: isoInstant.optional(),
  HESDA_TIMEOUT_SECONDS: z.coerce.number().positive().max(120).default(15),
  LICENSE_API_RATE_WINDOW_SECONDS: positiveInt.max(86_400).default(60),
  LICENSE_API_MAX_PER_IP: positiveInt.max(10_000_000).default(600),
  LICENSE_API_MAX_PER_KEY: positiveInt.max(10_000_000).default(60),
  // Refused webhook deliveries (bad signature or body) one IP may send per minute before 429.
  WEBHOOK_MAX_REFUSED_PER_IP: positiveInt.max(10_000_000).default(60),
  REJECTED_RETENTION_DAYS: positiveInt.max(3650).default(14),
  LICENSE_API_CORS_ORIGINS: corsOrigins.default('*'),
  LICENSE_TOKENS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  // Device releases ("Lepaskan", API deactivate) per license per 30 days; 0 turns the limit off.
  LICENSE_MAX_TRANSFERS: z.coerce.number().int().min(0).max(1000).default(3),
  // A member past the release limit asks for a reset by email: the seller approves each (approve),
  // or one a month is granted at once and further ones wait for the seller (monthly).
  LICENSE_TRANSFER_RESET: z.enum(['approve', 'monthly']).default('approve'),
  LICENSE_TOKEN_GRACE_DAYS: positiveInt.max(MAX_OFFLINE_GRACE_DAYS).default(7),
  // At least three days of retries: a seller's server down over a long weekend still gets every event.
  WEBHOOK_OUT_RETRY_DAYS: positiveInt.min(3).max(30).default(3),
  WEBHOOK_OUT_TIMEOUT_SECONDS: positiveInt.max(60).default(10),
});

export type Env = z.infer<typeof envSchema>;
