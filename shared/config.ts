// Configuration is parsed once, at the start of a process, from the environment.
// Nothing else in the codebase reads process.env: composition roots call
// loadConfig() and hand the frozen result to whatever they build.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Fixed token used when BOT_TOKEN is unset (development mode only). It is
 * public, so development mode lets anyone sign init data for anyone: that is
 * why production refuses to start without a real BOT_TOKEN, and why admin ids
 * are ignored in development mode.
 */
export const DEV_BOT_TOKEN = '000000000:development-mode-bot-token-not-for-production';
/** The file under DATA_DIR that keeps development mode's random JWT secret across restarts. */
export const DEV_JWT_SECRET_FILE = 'dev-jwt-secret';
/** Shortest JWT_SECRET accepted in production (HS256 wants a key of at least its output size). */
export const MIN_PRODUCTION_SECRET_BYTES = 32;

/**
 * Development mode's JWT secret: random, made once per data directory and kept
 * there (mode 0600), so every process of one development platform shares it and
 * restarts keep sessions, yet no two installs share a secret and none is in the code.
 */
function devJwtSecret(dataDir: string): string {
  const file = path.join(dataDir, DEV_JWT_SECRET_FILE);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    // Another process of the same platform made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return fs.readFileSync(file, 'utf8').trim();
}

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
/** CSP source lists: origins (scheme://host[:port], `*.` allowed), 'self' or 'none'; nothing that could end a directive. */
const cspSources = (def: string[]) =>
  z
    .string()
    .default(def.join(','))
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine(
      (list) => list.every((s) => s === "'self'" || s === "'none'" || /^(https?|wss?):\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/.test(s)),
      "must be comma-separated origins like https://example.org (or 'self', 'none')",
    );

/** `host:port,host:port` (an IPv6 host in brackets). */
const hostPorts = z
  .string()
  .refine((v) => v.split(',').every((hp) => /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-_]+):\d{1,5}$/.test(hp.trim())), 'must be host:port, comma-separated');

/** Where Redis is: one server (REDIS_URL), a primary found through Sentinel, or a Redis Cluster (shared/redis.ts connects to it). */
export type RedisConnection =
  | { mode: 'standalone'; url: string }
  | { mode: 'sentinel'; sentinels: HostPort[]; name: string; password?: string; sentinelPassword?: string }
  | { mode: 'cluster'; nodes: HostPort[]; password?: string };
export interface HostPort {
  host: string;
  port: number;
}

function parseHostPorts(v: string): HostPort[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((hp) => {
      const i = hp.lastIndexOf(':');
      return { host: hp.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(hp.slice(i + 1)) };
    });
}

/** The one place the Redis mode is picked: Cluster, else Sentinel, else REDIS_URL, else none (in memory). */
function redisConnection(e: Env): RedisConnection | undefined {
  if (e.REDIS_CLUSTER_NODES) return { mode: 'cluster', nodes: parseHostPorts(e.REDIS_CLUSTER_NODES), password: e.REDIS_PASSWORD };
  if (e.REDIS_SENTINELS && e.REDIS_SENTINEL_NAME) {
    return { mode: 'sentinel', sentinels: parseHostPorts(e.REDIS_SENTINELS), name: e.REDIS_SENTINEL_NAME, password: e.REDIS_PASSWORD, sentinelPassword: e.REDIS_SENTINEL_PASSWORD };
  }
  return e.REDIS_URL ? { mode: 'standalone', url: e.REDIS_URL } : undefined;
}

export const EnvSchema = z.object({
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
  // --- video clips and voice notes (issue 18) ---
  MEDIA_MAX_VIDEO_BYTES: int(50 * 1024 * 1024, 1),
  MEDIA_MAX_VIDEO_SECONDS: int(15, 1),
  MEDIA_MAX_VOICE_SECONDS: int(120, 1),
  MEDIA_VIDEO_KEEP_AUDIO: bool(true),
  MEDIA_TRANSCODE_TIMEOUT_S: int(120, 1),
  MEDIA_TRANSCODE_MAX_MEMORY_MB: int(2048, 64),
  FFMPEG_PATH: z.string().min(1).optional(),
  // --- photos and voice notes in chat (issue 18) ---
  CHAT_NSFW_BLUR_ABOVE: z.coerce.number().min(0).max(1).default(0.2),
  CHAT_ATTACHMENT_URL_TTL_S: int(3600, 10, 86400),
  RATE_LIMIT_CHAT_ATTACHMENTS_PER_10MIN: int(30, 1),
  RATE_LIMIT_CHAT_ATTACHMENTS_PER_CONVERSATION_PER_10MIN: int(40, 1),

  ADMIN_TELEGRAM_IDS: csv.refine((ids) => ids.every((id) => /^\d+$/.test(id)), 'must be comma-separated numeric ids'),
  TELEGRAM_API_URL: url.default('https://api.telegram.org'),
  // Telegram allows 1-256 of these characters in a webhook's secret_token.
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, 'must be 16-256 characters A-Z a-z 0-9 _ -').optional(),
  TELEGRAM_WEBHOOK_URL: url.optional(),
  REFERRALS_PER_DAY: int(10, 0),
  STARS_INVOICE_TTL_S: int(3600, 60, 30 * 86400),
  NOTIFY_INTERVAL_S: int(300, 1),
  NOTIFY_GATHER_S: int(15, 0),
  CHAT_LINK_FILTER_MESSAGES: int(3, 0, 1000),
  REPORTED_NEW_CONVERSATIONS_PER_DAY: int(3, 0, 1000),
  REPORT_WINDOW_DAYS: int(7, 1, 365),
  CHAT_OPENER_WINDOW_DAYS: int(30, 0, 365),
  CHAT_OPENER_SIMILARITY: z.coerce.number().min(0.5).max(1).default(0.85),

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
  // Listen address. Unset: the public entries (gateway, all-in-one) bind 0.0.0.0, the
  // services behind the gateway 127.0.0.1 (shared/service-main.ts).
  HOST: z.string().min(1).optional(),

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
  /** Location changes (moves, not clears) a user may make per hour (default 5); more is 429 rate_limited. */
  LOCATION_CHANGES_PER_HOUR: int(5, 1),
  /** Location changes a user may make per day (default 20); more is 429 rate_limited. */
  LOCATION_CHANGES_PER_DAY: int(20, 1),
  // --- client addresses, CSP, auth limits (issue 13 §3) ---
  /** Proxy hops in front of this process whose X-Forwarded-For entry is believed (0: the TCP peer is the client). */
  TRUSTED_PROXY_HOPS: int(0, 0, 10),
  /** Origins the web client may connect to besides its own (connect-src; default none: 'self' covers same-origin ws/wss). */
  CSP_CONNECT_SRC: cspSources([]),
  /** Origins that may frame the web client (frame-ancestors; default Telegram's web clients; 'none' forbids framing). */
  CSP_FRAME_ANCESTORS: cspSources(['https://web.telegram.org', 'https://webk.telegram.org', 'https://webz.telegram.org']),
  /** POST /auth/token logins per Telegram id per hour, counted once the init data validates (default 30). */
  RATE_LIMIT_TOKEN_PER_USER_PER_HOUR: int(30, 1),
  // --- socket limits (issue 13 §4) ---
  /** Client events a socket may send per second on average (token bucket refill; default 20). */
  SOCKET_EVENTS_PER_S: int(20, 1),
  /** Client events a socket may send at once before the per-second rate applies (bucket size; default 60). */
  SOCKET_EVENTS_BURST: int(60, 1),
  /** Client events of one socket being handled at once; more are answered rate_limited (default 16). */
  SOCKET_MAX_INFLIGHT: int(16, 1),
  /** Sockets one user may hold open across all realtime nodes (default 10). */
  SOCKETS_PER_USER: int(10, 1),
  /** Sockets one client address (IPv6: one /64) may hold open across all realtime nodes (default 1000). */
  SOCKETS_PER_ADDRESS: int(1000, 1),
  // --- uploads (issue 13 §4, §5) ---
  /** Uploads (POST /media/upload, multipart photo uploads) per user per 10 minutes (default 20). */
  RATE_LIMIT_UPLOADS_PER_10MIN: int(20, 1),
  /** Stored uploads per user attached to no profile photo (nor message) at once (default 30). */
  MEDIA_UNATTACHED_MAX: int(30, 1),
  /** Seconds an unattached upload is kept before the moderation worker removes it (default 86400). */
  MEDIA_UNATTACHED_TTL_S: int(86400, 60),
  /** Bytes of a refused upload still read and discarded so the client can read the refusal (default 16 MiB; 0: close at once). */
  MEDIA_DRAIN_MAX_BYTES: int(16 * 1024 * 1024, 0),
  // --- discovery limits: candidates, swipes, reports (issue 13 §4) ---
  /** GET /discovery/candidates requests per user per minute (default 60). */
  RATE_LIMIT_CANDIDATES_PER_MIN: int(60, 1),
  /** POST /discovery/report requests per reporter per 24 hours (default 10). */
  RATE_LIMIT_REPORTS_PER_DAY: int(10, 1),
  /** POST /discovery/rewind requests per user per minute (default 10). */
  RATE_LIMIT_REWINDS_PER_MIN: int(10, 1),
  /** POST /payments/invoice requests per user per 10 minutes (default 10): each is a Bot API call and a row. */
  RATE_LIMIT_INVOICES_PER_10MIN: int(10, 1),
  /** Distinct reporters (within REPORT_WINDOW_DAYS) before a user's new conversations are throttled (default 2). */
  REPORT_THROTTLE_MIN_REPORTERS: int(2, 1, 1000),
  // --- metrics, readiness, notifications (issue 13 §5) ---
  /** Bearer token that opens /metrics on the public port (gateway, all-in-one); unset (default): /metrics is a 404 there. */
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
  /** A port on 127.0.0.1 serving /metrics without a token (gateway, all-in-one); unset (default): none. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  // --- outbox (issue 14) ---
  /** Longest pause of an outbox relay between two rounds when no commit of its process wakes it (default 1000 ms). */
  OUTBOX_POLL_MS: int(1000, 10, 60_000),
  /** Events an outbox relay moves to the bus per round (default 500). */
  OUTBOX_BATCH_SIZE: int(500, 1, 10_000),
  /** A relay round whose publishing takes longer is rolled back and retried (default 5000 ms). */
  OUTBOX_PUBLISH_TIMEOUT_MS: int(5000, 100, 60_000),
  /** How long published outbox rows are kept, to publish again if Redis comes back empty (default 600 s). */
  OUTBOX_RETENTION_S: int(600, 0, 86_400),
  // --- realtime registry (issue 16) ---
  /** The URL gateways reach this realtime node at (default http://<its listen address>:<port>; without a port: its listen port). */
  REALTIME_ADVERTISE_URL: url.optional(),
  /** How often a realtime node renews its registry entry, with its load (default 2000 ms). */
  REALTIME_REGISTRY_HEARTBEAT_MS: int(2000, 100, 60_000),
  /** A registry entry not renewed for this long is dropped: its node died (default 6000 ms; more than twice the heartbeat). */
  REALTIME_REGISTRY_TTL_MS: int(6000, 300, 300_000),
  // --- Redis Sentinel and Cluster (issue 16 §2) ---
  /** Sentinels to ask for the primary, `host:port,…` (with REDIS_SENTINEL_NAME); takes precedence over REDIS_URL. */
  REDIS_SENTINELS: hostPorts.optional(),
  /** The name the sentinels monitor the primary under. */
  REDIS_SENTINEL_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
  /** Some nodes of a Redis Cluster, `host:port,…` (the rest are discovered); takes precedence over REDIS_URL. */
  REDIS_CLUSTER_NODES: hostPorts.optional(),
  /** Password of the Redis data nodes in Sentinel or Cluster mode (REDIS_URL carries its own). */
  REDIS_PASSWORD: z.string().min(1).optional(),
  /** Password of the sentinels themselves, when they require one. */
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
});

export type Env = z.infer<typeof EnvSchema>;

function toConfig(e: Env) {
  const devMode = !e.BOT_TOKEN;
  const redis = redisConnection(e);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    instance: e.SERVICE_INSTANCE,
    devMode,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    /** Where Redis is (shared/redis.ts createRedis connects to it); undefined: no Redis, the in-memory mode. */
    redis,
    /** REDIS_URL when it is the mode (standalone); undefined when Sentinel or Cluster settings take precedence. */
    redisUrl: redis?.mode === 'standalone' ? redis.url : undefined,
    redisPrefix: e.REDIS_PREFIX,
    dataDir: e.DATA_DIR,
    telegram: {
      botToken: e.BOT_TOKEN ?? DEV_BOT_TOKEN,
      botUsername: e.BOT_USERNAME,
      webAppUrl: e.WEBAPP_URL,
      botId: e.TELEGRAM_BOT_ID,
      publicKey: e.TELEGRAM_PUBLIC_KEY,
      apiUrl: e.TELEGRAM_API_URL,
      // Development mode lets anyone sign init data for any Telegram id, admins' included.
      adminIds: devMode ? [] : e.ADMIN_TELEGRAM_IDS,
      webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
      webhookUrl: e.TELEGRAM_WEBHOOK_URL,
      referralsPerDay: e.REFERRALS_PER_DAY,
    },
    /** Premium in Telegram Stars (api/payments/). */
    payments: { invoiceTtlS: e.STARS_INVOICE_TTL_S, invoicesPer10Min: e.RATE_LIMIT_INVOICES_PER_10MIN },
    jwt: {
      secret: e.JWT_SECRET ?? devJwtSecret(e.DATA_DIR),
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
      /** Video clips and voice notes: upload limits and the ffmpeg child's limits (shared/ffmpeg.ts). */
      av: {
        maxVideoBytes: e.MEDIA_MAX_VIDEO_BYTES,
        maxVideoSeconds: e.MEDIA_MAX_VIDEO_SECONDS,
        maxVoiceSeconds: e.MEDIA_MAX_VOICE_SECONDS,
        keepAudio: e.MEDIA_VIDEO_KEEP_AUDIO,
        transcodeTimeoutS: e.MEDIA_TRANSCODE_TIMEOUT_S,
        transcodeMaxMemoryMb: e.MEDIA_TRANSCODE_MAX_MEMORY_MB,
        ffmpegPath: e.FFMPEG_PATH,
      },
    },
    /** Photos and voice notes in chat messages (realtime/chat/attachments.ts). */
    chatAttachments: {
      blurAbove: e.CHAT_NSFW_BLUR_ABOVE,
      urlTtlS: e.CHAT_ATTACHMENT_URL_TTL_S,
      perUserPer10Min: e.RATE_LIMIT_CHAT_ATTACHMENTS_PER_10MIN,
      perConversationPer10Min: e.RATE_LIMIT_CHAT_ATTACHMENTS_PER_CONVERSATION_PER_10MIN,
    },
    bus: {
      maxAttempts: e.BUS_MAX_ATTEMPTS,
      visibilityTimeoutMs: e.BUS_VISIBILITY_TIMEOUT_MS,
      streamMaxLen: e.BUS_STREAM_MAXLEN,
    },
    // Redis Cluster has no Streams adapter (its stream would live on one shard): the sharded pub/sub one.
    realtime: { adapter: redis?.mode === 'cluster' ? ('pubsub' as const) : e.REALTIME_ADAPTER },
    /** Offline notifications: at most one bot message per user per intervalS, gathered for gatherS first. */
    notifications: { intervalS: e.NOTIFY_INTERVAL_S, gatherS: e.NOTIFY_GATHER_S },
    /** Chat abuse controls: no links/phone numbers in a conversation's first N messages (0: off); reported users start few conversations. */
    abuse: {
      linkFilterMessages: e.CHAT_LINK_FILTER_MESSAGES,
      reportedNewConversationsPerDay: e.REPORTED_NEW_CONVERSATIONS_PER_DAY,
      reportWindowDays: e.REPORT_WINDOW_DAYS,
      /** A conversation's first message may not be a near-copy (similarity at least openerSimilarity) of the sender's openers of the last openerWindowDays (0: off). */
      openerWindowDays: e.CHAT_OPENER_WINDOW_DAYS,
      openerSimilarity: e.CHAT_OPENER_SIMILARITY,
    },
    /** Unset: each composition root picks (public entries 0.0.0.0, services 127.0.0.1). */
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
      // Default (static mode without Redis): up to 5 instances on REALTIME_PORT.. (8085–8089; ADMIN_PORT 8090 comes next).
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
    /** Per-user limits on changes of location (api/profile): each one a move that a trilateration attack needs. */
    locationChanges: { perHour: e.LOCATION_CHANGES_PER_HOUR, perDay: e.LOCATION_CHANGES_PER_DAY },
    // --- client addresses, CSP, auth limits (issue 13 §3) ---
    /** See shared/http/client-address.ts: how many proxy hops' X-Forwarded-For entries to believe. */
    trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    /** The web client's Content-Security-Policy sources (api/gateway/web.ts), never taken from request headers. */
    csp: { connectSrc: e.CSP_CONNECT_SRC, frameAncestors: e.CSP_FRAME_ANCESTORS },
    /** Logins (POST /auth/token) per Telegram id per hour: a leaked init data cannot mint unlimited sessions. */
    tokenPerUserPerHour: e.RATE_LIMIT_TOKEN_PER_USER_PER_HOUR,
    // --- socket limits (issue 13 §4) ---
    /** What one socket may cost a realtime node, and how many sockets a user or an address may hold (realtime/limits.ts). */
    socketLimits: {
      eventsPerS: e.SOCKET_EVENTS_PER_S,
      eventsBurst: e.SOCKET_EVENTS_BURST,
      maxInflight: e.SOCKET_MAX_INFLIGHT,
      perUser: e.SOCKETS_PER_USER,
      perAddress: e.SOCKETS_PER_ADDRESS,
    },
    // --- uploads (issue 13 §4, §5) ---
    /** Upload limits: rate per user, unattached uploads (count, lifetime), how much of a refused body is drained. */
    uploads: {
      per10Min: e.RATE_LIMIT_UPLOADS_PER_10MIN,
      unattachedMax: e.MEDIA_UNATTACHED_MAX,
      unattachedTtlS: e.MEDIA_UNATTACHED_TTL_S,
      drainMaxBytes: e.MEDIA_DRAIN_MAX_BYTES,
    },
    // --- discovery limits: candidates, swipes, reports (issue 13 §4) ---
    /** Per-user discovery limits: candidate requests a minute, reports filed a day, rewinds asked for a minute. */
    discoveryLimits: { candidatesPerMin: e.RATE_LIMIT_CANDIDATES_PER_MIN, reportsPerDay: e.RATE_LIMIT_REPORTS_PER_DAY, rewindsPerMin: e.RATE_LIMIT_REWINDS_PER_MIN },
    /** Distinct reporters within abuse.reportWindowDays before the reported-user chat throttle holds. */
    reportThrottleMinReporters: e.REPORT_THROTTLE_MIN_REPORTERS,
    // --- metrics, readiness, notifications (issue 13 §5) ---
    /** /metrics on the public port only with this bearer token; on a loopback port of its own when `port` is set. */
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT },
    // --- outbox (issue 14) ---
    /** The outbox relay (shared/outbox/relay.ts): poll fallback, rows per round, publish deadline. */
    outbox: { pollMs: e.OUTBOX_POLL_MS, batchSize: e.OUTBOX_BATCH_SIZE, publishTimeoutMs: e.OUTBOX_PUBLISH_TIMEOUT_MS, retentionS: e.OUTBOX_RETENTION_S },
    // --- realtime registry (issue 16) ---
    /** Realtime nodes announce {tag, url, load} in Redis (realtime/registry.ts); gateways route by it unless REALTIME_URLS is set. */
    realtimeRegistry: {
      advertiseUrl: e.REALTIME_ADVERTISE_URL,
      heartbeatMs: e.REALTIME_REGISTRY_HEARTBEAT_MS,
      ttlMs: e.REALTIME_REGISTRY_TTL_MS,
      /** REALTIME_URLS was given: the gateway uses that static list, not the registry. */
      staticList: e.REALTIME_URLS !== undefined,
    },
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
  if (e.NODE_ENV === 'production') {
    // Development mode never runs in production: name every missing variable at once.
    const why = 'required when NODE_ENV=production (development mode never runs in production)';
    if (!e.BOT_TOKEN) problems.push(`BOT_TOKEN: ${why}`);
    else if (e.BOT_TOKEN === DEV_BOT_TOKEN) problems.push('BOT_TOKEN: the public development token cannot be used when NODE_ENV=production');
    if (!e.JWT_SECRET) problems.push(`JWT_SECRET: ${why}`);
    else if (Buffer.byteLength(e.JWT_SECRET) < MIN_PRODUCTION_SECRET_BYTES) {
      problems.push(`JWT_SECRET: must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes when NODE_ENV=production`);
    }
  }
  if (e.NSFW_APPROVE_BELOW > e.NSFW_REJECT_ABOVE) problems.push('NSFW_APPROVE_BELOW: must not exceed NSFW_REJECT_ABOVE');
  if (e.STORAGE_DRIVER === 's3' && !e.S3_BUCKET) problems.push('S3_BUCKET: required when STORAGE_DRIVER=s3');
  if (e.REALTIME_REGISTRY_TTL_MS <= 2 * e.REALTIME_REGISTRY_HEARTBEAT_MS) {
    problems.push('REALTIME_REGISTRY_TTL_MS: must be more than twice REALTIME_REGISTRY_HEARTBEAT_MS (one lost heartbeat must not drop a live node)');
  }
  if (e.REDIS_SENTINELS && !e.REDIS_SENTINEL_NAME) problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the name the sentinels monitor the primary under)');
  if (e.REDIS_SENTINEL_NAME && !e.REDIS_SENTINELS) problems.push('REDIS_SENTINELS: required with REDIS_SENTINEL_NAME');
  if (e.REDIS_CLUSTER_NODES && e.REDIS_SENTINELS) problems.push('REDIS_CLUSTER_NODES: set either it or REDIS_SENTINELS, not both');
  if (e.REDIS_CLUSTER_NODES && cleaned.REALTIME_ADAPTER === 'streams') {
    problems.push('REALTIME_ADAPTER: streams is not available on Redis Cluster (REDIS_CLUSTER_NODES); the sharded pub/sub adapter is used there');
  }
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
