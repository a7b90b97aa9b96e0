// Configuration is parsed once, at the start of a process, from the environment.
// Nothing else in the codebase reads process.env: composition roots call
// loadConfig() and hand the frozen result to whatever they build.
import { z } from 'zod';

/** Fixed token used when BOT_TOKEN is unset (development mode only). */
export const DEV_BOT_TOKEN = '000000000:development-mode-bot-token-not-for-production';
const DEV_JWT_SECRET = 'development-mode-jwt-secret-not-for-production';

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);
const port = (def: number) => int(def, 0, 65535);
const url = z.string().url();
const bool = (def: boolean) =>
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).default(def ? 'true' : 'false').transform((v) => ['true', '1', 'yes'].includes(v));
const csv = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SERVICE_INSTANCE: z.string().optional(),

  DATABASE_URL: url.optional(),
  DATABASE_POOL_MAX: int(10, 1, 200),
  REDIS_URL: url.optional(),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_\-.]*$/).default(''),
  DATA_DIR: z.string().min(1).default('./data'),

  BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'must look like 123456:ABC-def').optional(),
  BOT_USERNAME: z.string().optional(),
  WEBAPP_URL: url.optional(),
  TELEGRAM_BOT_ID: z.coerce.number().int().positive().optional(),
  TELEGRAM_PUBLIC_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters').optional(),
  JWT_SECRET: z.string().min(16).optional(),
  JWT_KEY_ID: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).default('k1'),
  JWT_PREVIOUS_KEYS: z
    .string()
    .default('')
    .refine((v) => v === '' || v.split(',').every((p) => /^[A-Za-z0-9_-]{1,32}:.{16,}$/.test(p.trim())), 'must be kid:secret,kid:secret'),
  AUTH_MAX_AGE_S: int(86400, 1),
  ACCESS_TOKEN_TTL_S: int(900, 1),
  REFRESH_TOKEN_TTL_S: int(2592000, 1),

  RATE_LIMIT_AUTH_PER_MIN: int(30, 1),
  RATE_LIMIT_REFRESH_PER_MIN: int(10, 1),
  RATE_LIMIT_MESSAGES_PER_MIN: int(120, 1),
  RATE_LIMIT_TYPING_PER_MIN: int(60, 1),
  LIKES_PER_DAY: int(100, 0),
  SUPERLIKES_PER_DAY: int(1, 0),

  MEDIA_MAX_BYTES: int(10 * 1024 * 1024, 1),
  MEDIA_MAX_PIXELS: int(50_000_000, 1),
  MEDIA_PUBLIC_URL: z.string().min(1).default('/media/files/'),
  STORAGE_DRIVER: z.enum(['fs', 's3']).default('fs'),
  S3_ENDPOINT: url.optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  NSFW_ENABLED: bool(true),
  NSFW_APPROVE_BELOW: z.coerce.number().min(0).max(1).default(0.4),
  NSFW_REJECT_ABOVE: z.coerce.number().min(0).max(1).default(0.85),

  ADMIN_TELEGRAM_IDS: csv.refine((ids) => ids.every((id) => /^\d+$/.test(id)), 'must be comma-separated numeric ids'),
  TELEGRAM_API_URL: url.default('https://api.telegram.org'),
  NOTIFY_INTERVAL_S: int(300, 1),
  NOTIFY_GATHER_S: int(15, 0),
  CHAT_LINK_FILTER_MESSAGES: int(3, 0, 1000),
  REPORTED_NEW_CONVERSATIONS_PER_DAY: int(3, 0, 1000),
  REPORT_WINDOW_DAYS: int(7, 1, 365),

  BUS_MAX_ATTEMPTS: int(5, 1, 100),
  BUS_VISIBILITY_TIMEOUT_MS: int(30_000, 10),
  BUS_STREAM_MAXLEN: int(100_000, 100),
  REALTIME_ADAPTER: z.enum(['streams', 'pubsub']).default('streams'),

  GATEWAY_PORT: port(8080),
  AUTH_PORT: port(8081),
  PROFILE_PORT: port(8082),
  DISCOVERY_PORT: port(8083),
  MEDIA_PORT: port(8084),
  REALTIME_PORT: port(8085),
  ADMIN_PORT: port(8090),
  HOST: z.string().default('0.0.0.0'),

  // Gateway upstreams (defaults: the services' ports on this host). REALTIME_URLS is a
  // comma list of http://host:port or http://host:first-last (a port range, for
  // `pm2 scale realtime N`); a host name is resolved to every address it has (compose --scale).
  AUTH_URL: url.optional(),
  PROFILE_URL: url.optional(),
  DISCOVERY_URL: url.optional(),
  MEDIA_URL: url.optional(),
  ADMIN_URL: url.optional(),
  REALTIME_URLS: z
    .string()
    .refine((v) => v.split(',').every((u) => /^https?:\/\/[A-Za-z0-9.\-_]+(:\d{1,5}(-\d{1,5})?)?\/?$/.test(u.trim())), 'must be http://host:port or http://host:first-last, comma-separated')
    .optional(),
  GATEWAY_TIMEOUT_MS: int(30_000, 100),
  GATEWAY_TRUSTED_PROXIES: int(0, 0, 10),

  // --- production mode and launchers (issue 13 §1) ---
  // --- location privacy (issue 13 §2) ---
  // --- client addresses, CSP, auth limits (issue 13 §3) ---
  /** Proxy hops in front of this process whose X-Forwarded-For entry is believed (0: the TCP peer is the client). */
  TRUSTED_PROXY_HOPS: int(0, 0, 10),
  // --- socket limits (issue 13 §4) ---
  // --- uploads (issue 13 §4, §5) ---
  // --- discovery limits: candidates, swipes, reports (issue 13 §4) ---
  // --- metrics, readiness, notifications (issue 13 §5) ---
  // --- outbox (issue 14) ---
});

export type Env = z.infer<typeof EnvSchema>;

function toConfig(e: Env) {
  const devMode = !e.BOT_TOKEN;
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    instance: e.SERVICE_INSTANCE,
    devMode,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    dataDir: e.DATA_DIR,
    telegram: {
      botToken: e.BOT_TOKEN ?? DEV_BOT_TOKEN,
      botUsername: e.BOT_USERNAME,
      webAppUrl: e.WEBAPP_URL,
      botId: e.TELEGRAM_BOT_ID,
      publicKey: e.TELEGRAM_PUBLIC_KEY,
      apiUrl: e.TELEGRAM_API_URL,
      adminIds: e.ADMIN_TELEGRAM_IDS,
    },
    jwt: {
      secret: e.JWT_SECRET ?? DEV_JWT_SECRET,
      keyId: e.JWT_KEY_ID,
      previousKeys: Object.fromEntries(
        e.JWT_PREVIOUS_KEYS.split(',')
          .map((p) => p.trim())
          .filter(Boolean)
          .map((p) => [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)]),
      ) as Record<string, string>,
      accessTtlS: e.ACCESS_TOKEN_TTL_S,
      refreshTtlS: e.REFRESH_TOKEN_TTL_S,
    },
    auth: { maxAgeS: e.AUTH_MAX_AGE_S },
    rateLimits: {
      authPerMin: e.RATE_LIMIT_AUTH_PER_MIN,
      refreshPerMin: e.RATE_LIMIT_REFRESH_PER_MIN,
      messagesPerMin: e.RATE_LIMIT_MESSAGES_PER_MIN,
      typingPerMin: e.RATE_LIMIT_TYPING_PER_MIN,
    },
    quotas: { likesPerDay: e.LIKES_PER_DAY, superlikesPerDay: e.SUPERLIKES_PER_DAY },
    media: {
      maxBytes: e.MEDIA_MAX_BYTES,
      maxPixels: e.MEDIA_MAX_PIXELS,
      publicUrl: e.MEDIA_PUBLIC_URL,
      storage: e.STORAGE_DRIVER,
      s3: {
        endpoint: e.S3_ENDPOINT,
        region: e.S3_REGION,
        bucket: e.S3_BUCKET,
        accessKeyId: e.S3_ACCESS_KEY_ID,
        secretAccessKey: e.S3_SECRET_ACCESS_KEY,
      },
      nsfw: { enabled: e.NSFW_ENABLED, approveBelow: e.NSFW_APPROVE_BELOW, rejectAbove: e.NSFW_REJECT_ABOVE },
    },
    bus: {
      maxAttempts: e.BUS_MAX_ATTEMPTS,
      visibilityTimeoutMs: e.BUS_VISIBILITY_TIMEOUT_MS,
      streamMaxLen: e.BUS_STREAM_MAXLEN,
    },
    realtime: { adapter: e.REALTIME_ADAPTER },
    /** Offline notifications: at most one bot message per user per intervalS, gathered for gatherS first. */
    notifications: { intervalS: e.NOTIFY_INTERVAL_S, gatherS: e.NOTIFY_GATHER_S },
    /** Chat abuse controls: no links/phone numbers in a conversation's first N messages (0: off); reported users start few conversations. */
    abuse: {
      linkFilterMessages: e.CHAT_LINK_FILTER_MESSAGES,
      reportedNewConversationsPerDay: e.REPORTED_NEW_CONVERSATIONS_PER_DAY,
      reportWindowDays: e.REPORT_WINDOW_DAYS,
    },
    host: e.HOST,
    ports: {
      gateway: e.GATEWAY_PORT,
      auth: e.AUTH_PORT,
      profile: e.PROFILE_PORT,
      discovery: e.DISCOVERY_PORT,
      media: e.MEDIA_PORT,
      realtime: e.REALTIME_PORT,
      admin: e.ADMIN_PORT,
    },
    gateway: {
      upstreams: {
        auth: e.AUTH_URL ?? `http://127.0.0.1:${e.AUTH_PORT}`,
        profile: e.PROFILE_URL ?? `http://127.0.0.1:${e.PROFILE_PORT}`,
        discovery: e.DISCOVERY_URL ?? `http://127.0.0.1:${e.DISCOVERY_PORT}`,
        media: e.MEDIA_URL ?? `http://127.0.0.1:${e.MEDIA_PORT}`,
        admin: e.ADMIN_URL ?? `http://127.0.0.1:${e.ADMIN_PORT}`,
      },
      // Default: up to 5 instances on REALTIME_PORT.. (8085–8089; ADMIN_PORT 8090 comes next).
      realtimeUrls: (e.REALTIME_URLS ?? `http://127.0.0.1:${e.REALTIME_PORT}-${Math.min(e.REALTIME_PORT + 4, 65535)}`)
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
      timeoutMs: e.GATEWAY_TIMEOUT_MS,
      /** How many proxies in front of the gateway append to X-Forwarded-For (0: the peer is the client). */
      trustedProxies: e.GATEWAY_TRUSTED_PROXIES,
    },
    // --- production mode and launchers (issue 13 §1) ---
    // --- location privacy (issue 13 §2) ---
    // --- client addresses, CSP, auth limits (issue 13 §3) ---
    /** See shared/http/client-address.ts: how many proxy hops' X-Forwarded-For entries to believe. */
    trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    // --- socket limits (issue 13 §4) ---
    // --- uploads (issue 13 §4, §5) ---
    // --- discovery limits: candidates, swipes, reports (issue 13 §4) ---
    // --- metrics, readiness, notifications (issue 13 §5) ---
    // --- outbox (issue 14) ---
  };
}

export type Config = ReturnType<typeof toConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "unset": that is how shells and compose files clear one.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.BOT_TOKEN && !e.JWT_SECRET) problems.push('JWT_SECRET: required when BOT_TOKEN is set');
  if (e.NSFW_APPROVE_BELOW > e.NSFW_REJECT_ABOVE) problems.push('NSFW_APPROVE_BELOW: must not exceed NSFW_REJECT_ABOVE');
  if (e.STORAGE_DRIVER === 's3' && !e.S3_BUCKET) problems.push('S3_BUCKET: required when STORAGE_DRIVER=s3');
  if (problems.length) throw new ConfigError(problems);
  return deepFreeze(toConfig(e));
}

/** For composition roots: parse or print the problem and exit. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
