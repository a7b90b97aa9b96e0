// What each environment variable of shared/config.ts means, for
// docs/CONFIGURATION.md (`npm run docs`, scripts/docs.ts). Defaults and
// accepted values are read from the schema itself, so they are not repeated
// here. The type makes this map complete: a variable added to EnvSchema
// without a line here does not compile, and test/shared/config-docs.test.ts
// fails until the committed docs are generated again.
//
// One line per variable, a sentence or two: what it changes and what its
// unset or default value does. No defaults in the text (they would drift).
import type { Env } from './config.js';

export const CONFIG_MEANINGS: Record<keyof Env, string> = {
  NODE_ENV:
    '`production` refuses to start without a real `BOT_TOKEN` and a `JWT_SECRET` of at least 32 bytes (development mode never runs in production); the launchers (`npm run cluster`, compose) set it.',
  LOG_LEVEL: 'pino log level; logs are JSON lines on stdout.',
  SERVICE_INSTANCE:
    'Name of this instance in its logs; a realtime node also begins its routing tag with it (the tag is always made unique with a random part, never the port).',

  DATABASE_URL: 'PostgreSQL URL. Unset: the all-in-one process runs an embedded PostgreSQL (PGlite) under `DATA_DIR`; the cluster processes need it. `?idle_in_transaction_session_timeout=<ms>` changes how long PostgreSQL keeps a session idle inside a transaction before ending it and releasing its locks (default 30000: a process cut off from the network mid-transaction does not hold a conversation for hours).',
  DATABASE_POOL_MAX: 'Most PostgreSQL connections one process opens.',
  REDIS_URL:
    'Redis URL (one server). Unset, and no `REDIS_SENTINELS` or `REDIS_CLUSTER_NODES` either: the all-in-one process uses its in-memory event bus, socket adapter, presence and rate limits (one process only).',
  REDIS_PREFIX: 'Every Redis key and stream the platform writes begins with it, in every mode (tests use one of their own).',
  DATA_DIR: 'Embedded database, local media files (`STORAGE_DRIVER=fs`) and the development-mode JWT secret.',

  BOT_TOKEN:
    'Telegram bot token: checks init data and sends bot messages. Unset: development mode (a public development token, anyone can log in as anyone, admin ids ignored); refused when `NODE_ENV=production`.',
  BOT_USERNAME: 'The bot\'s username, for the "Open the app" button of bot messages when `WEBAPP_URL` is unset, and the Telegram login button of the moderator console (`/admin`) in a plain browser (the bot\'s domain set with BotFather\'s /setdomain).',
  WEBAPP_URL: 'The Mini App\'s URL, for the "Open the app" button of bot messages.',
  TELEGRAM_BOT_ID:
    'With `TELEGRAM_PUBLIC_KEY`: init data must also carry a valid Ed25519 `signature` from Telegram for this bot id (third-party validation).',
  TELEGRAM_PUBLIC_KEY: "Telegram's Ed25519 public key for the third-party check (see `TELEGRAM_BOT_ID`).",
  JWT_SECRET:
    'Secret that signs access tokens (HS256). Required with `BOT_TOKEN`, at least 32 bytes in production. Unset in development: a random secret kept in `DATA_DIR`.',
  JWT_KEY_ID: 'Key id (`kid`) written into new access tokens.',
  JWT_PREVIOUS_KEYS: 'Older keys still accepted while tokens signed with them live: `kid:secret,kid:secret` (key rotation).',
  AUTH_MAX_AGE_S: 'Oldest accepted init data (`auth_date`), in seconds.',
  ACCESS_TOKEN_TTL_S: 'Lifetime of an access token, in seconds.',
  REFRESH_TOKEN_TTL_S: 'Lifetime of a refresh token and of its session when not refreshed, in seconds.',

  RATE_LIMIT_AUTH_PER_MIN: '`/auth/*` requests per client address (IPv6: per /64) per minute, and per user on the routes that know the user.',
  RATE_LIMIT_REFRESH_PER_MIN: '`POST /auth/refresh` calls per user per minute.',
  RATE_LIMIT_MESSAGES_PER_MIN: 'Chat messages a user may send per minute (socket and REST together, all nodes).',
  RATE_LIMIT_TYPING_PER_MIN: '`typing:start` events a user may send per minute.',
  LIKES_PER_DAY: 'Likes a user may give per rolling 24 hours; more is 429 `quota_exceeded`.',
  SUPERLIKES_PER_DAY: 'Superlikes a user may give per rolling 24 hours; more is 429 `quota_exceeded`.',

  MEDIA_MAX_BYTES: 'Largest upload in bytes (the whole multipart body); more is 413 `payload_too_large`.',
  MEDIA_MAX_PIXELS: 'Most pixels (width × height) of an uploaded image, read from its header; more is 400 `image_too_large` (pixel bombs).',
  MEDIA_PUBLIC_URL: 'Base URL of served image variants: a path on this platform, or a full URL of a CDN in front of it.',
  STORAGE_DRIVER: '`fs`: files under `DATA_DIR/media`; `s3`: an S3-compatible bucket (`S3_*`).',
  S3_ENDPOINT: 'S3-compatible endpoint URL (unset: AWS S3).',
  S3_REGION: 'S3 region.',
  S3_BUCKET: 'S3 bucket; required with `STORAGE_DRIVER=s3`.',
  S3_ACCESS_KEY_ID: 'S3 access key id (unset: the AWS SDK\'s default credential chain).',
  S3_SECRET_ACCESS_KEY: 'S3 secret access key.',
  NSFW_ENABLED: 'Score uploads with the bundled NSFW model; `false` approves every decodable image without scoring.',
  NSFW_APPROVE_BELOW: 'NSFW score below which an upload is approved; between this and `NSFW_REJECT_ABOVE` it goes to `review` (an admin decides).',
  NSFW_REJECT_ABOVE: 'NSFW score above which an upload is rejected.',
  MEDIA_MAX_VIDEO_BYTES: 'Largest video clip upload in bytes; more is 413 `payload_too_large` (images and voice notes keep `MEDIA_MAX_BYTES`).',
  MEDIA_MAX_VIDEO_SECONDS: 'Longest video clip in seconds; longer is 400 `invalid_video`.',
  MEDIA_MAX_VOICE_SECONDS: 'Longest voice note in seconds; longer is 400 `invalid_audio`.',
  MEDIA_VIDEO_KEEP_AUDIO: '`false`: video clips are transcoded without their sound track.',
  MEDIA_TRANSCODE_TIMEOUT_S: 'Wall-clock limit of one ffmpeg run of the moderation worker; a clip that needs longer is rejected (`transcode_failed`).',
  MEDIA_TRANSCODE_MAX_MEMORY_MB: 'Address-space limit of one ffmpeg run (ulimit -v); a clip that needs more is rejected (`transcode_failed`).',
  CHAT_NSFW_BLUR_ABOVE: 'A photo sent in chat whose NSFW score is above this arrives blurred (`blurred: true`, a blurred preview); the recipient sees the original after `message:reveal`.',
  CHAT_ATTACHMENT_URL_TTL_S: 'Lifetime of the signed URL of a chat attachment (the file route also checks the conversation is still live on every request).',
  RATE_LIMIT_CHAT_ATTACHMENTS_PER_10MIN: 'Chat messages with an attachment a user may send per 10 minutes (429 `rate_limited`).',
  RATE_LIMIT_CHAT_ATTACHMENTS_PER_CONVERSATION_PER_10MIN: 'Chat messages with an attachment per conversation (both members together) per 10 minutes (429 `rate_limited`).',
  FFMPEG_PATH: 'The ffmpeg binary (unset: the one `@ffmpeg-installer/ffmpeg` ships, else `ffmpeg` on the PATH).',

  ADMIN_TELEGRAM_IDS: 'Comma-separated Telegram user ids allowed to use `/admin/*` (ignored in development mode).',
  TELEGRAM_API_URL: 'Base URL of the Telegram Bot API (tests point it at a fake).',
  TELEGRAM_WEBHOOK_SECRET:
    'The secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token` with every webhook call (16-256 of `A-Z a-z 0-9 _ -`). Unset: `POST /telegram/webhook` answers 404.',
  TELEGRAM_WEBHOOK_URL: 'The public URL of `POST /telegram/webhook` that `npm run bot:set-webhook` registers with Telegram (e.g. `https://example.com/telegram/webhook`).',
  REFERRALS_PER_DAY: 'Referrals (`startapp=r_<code>`) that earn an inviter and the invited user a superlike each, per inviter per rolling 24 hours; more are recorded but earn nothing.',
  STARS_INVOICE_TTL_S: 'Seconds a Stars invoice (`POST /payments/invoice`) may be paid; after that its pre-checkout is refused and the app opens a new one.',
  NOTIFY_INTERVAL_S: 'At most one bot message per offline user per this many seconds.',
  NOTIFY_GATHER_S: 'Seconds the notifications worker waits to gather events into one bot message.',
  CHAT_LINK_FILTER_MESSAGES: 'Links and phone numbers are refused in the first this many messages of a conversation (0: never refused).',
  REPORTED_NEW_CONVERSATIONS_PER_DAY:
    'New conversations per day a user may start while reported by at least `REPORT_THROTTLE_MIN_REPORTERS` people (0: none).',
  REPORT_WINDOW_DAYS: 'How many days of reports count for the reported-user throttle.',
  CHAT_OPENER_WINDOW_DAYS:
    "A conversation's first message is refused (`opener_not_unique`) when it is a near-copy of an opener the same sender used in this many days (0: no such rule).",
  CHAT_OPENER_SIMILARITY:
    'How alike two openers must be to count as a copy, from 0.5 to 1 (1: the same text once case, spacing, emoji, digits and punctuation are ignored); 1 minus the edit distance over the longer length.',

  BUS_MAX_ATTEMPTS: 'Deliveries of one event to a consumer group before it goes to the dead-letter stream.',
  BUS_VISIBILITY_TIMEOUT_MS: 'An event a consumer has held this long without acking is reclaimed by another consumer of its group (`XAUTOCLAIM`).',
  BUS_STREAM_MAXLEN: 'Approximate length each event stream is trimmed to (`MAXLEN ~`).',
  REALTIME_ADAPTER:
    'Socket.IO cluster adapter: `streams` (Redis Streams, with connection state recovery) or `pubsub` (sharded pub/sub, Redis 7 or later, no recovery). On Redis Cluster (`REDIS_CLUSTER_NODES`) always `pubsub`.',

  GATEWAY_PORT: 'Port of the gateway, and of the all-in-one process.',
  AUTH_PORT: 'Port of the auth service.',
  PROFILE_PORT: 'Port of the profile service.',
  DISCOVERY_PORT: 'Port of the discovery service.',
  MEDIA_PORT: 'Port of the media service.',
  REALTIME_PORT: 'Port of the (first) realtime instance; under PM2 further instances take the next ports.',
  ADMIN_PORT: 'Port of the admin service.',
  HOST: 'Listen address. Unset: the gateway and the all-in-one process bind 0.0.0.0, the services behind the gateway 127.0.0.1.',

  AUTH_URL: 'Where the gateway finds the auth service (unset: `http://127.0.0.1:AUTH_PORT`).',
  PROFILE_URL: 'Where the gateway finds the profile service (unset: `http://127.0.0.1:PROFILE_PORT`).',
  DISCOVERY_URL: 'Where the gateway finds the discovery service (unset: `http://127.0.0.1:DISCOVERY_PORT`).',
  MEDIA_URL: 'Where the gateway finds the media service (unset: `http://127.0.0.1:MEDIA_PORT`).',
  ADMIN_URL: 'Where the gateway finds the admin service (unset: `http://127.0.0.1:ADMIN_PORT`).',
  REALTIME_URLS:
    'A static list of realtime instances for the gateway: comma-separated `http://host:port` or `http://host:first-last` (a port range); a host name stands for every address it resolves to. Unset: the gateway follows the realtime registry in Redis (without Redis: five ports from `REALTIME_PORT` on 127.0.0.1).',
  GATEWAY_TIMEOUT_MS: 'The gateway answers 504 `gateway_timeout` when a service has not answered in this many milliseconds.',
  GATEWAY_TRUSTED_PROXIES: 'Proxies (load balancers) in front of the gateway whose `X-Forwarded-For` entry it believes (0: the TCP peer is the client).',

  LOCATION_CHANGES_PER_HOUR: 'Moves of the profile location a user may make per hour; more is 429 `rate_limited`.',
  LOCATION_CHANGES_PER_DAY: 'Moves of the profile location a user may make per day; more is 429 `rate_limited`.',
  TRUSTED_PROXY_HOPS:
    'Proxy hops in front of this process whose `X-Forwarded-For` entry it believes (0: the TCP peer is the client). The launchers set 1 for the services behind the gateway.',
  CSP_CONNECT_SRC: "Comma-separated origins the web client may connect to besides its own (CSP `connect-src`; `'self'` covers same-origin WebSockets).",
  CSP_FRAME_ANCESTORS: "Comma-separated origins that may frame the web client (CSP `frame-ancestors`; `'none'` forbids framing).",
  RATE_LIMIT_TOKEN_PER_USER_PER_HOUR: '`POST /auth/token` logins per Telegram id per hour, counted once the init data validates.',

  SOCKET_EVENTS_PER_S: 'Client events one socket may send per second on average (token bucket refill); more are answered `rate_limited`.',
  SOCKET_EVENTS_BURST: 'Client events one socket may send at once before the per-second rate applies (bucket size).',
  SOCKET_MAX_INFLIGHT: 'Client events of one socket handled at once; more are answered `rate_limited` at once.',
  SOCKETS_PER_USER: 'Sockets one user may hold open across all realtime nodes; more is `connect_error` `too_many_sockets`.',
  SOCKETS_PER_ADDRESS: 'Sockets one client address (IPv6: one /64) may hold open across all nodes; more is `connect_error` `too_many_connections`.',

  RATE_LIMIT_UPLOADS_PER_10MIN: 'Uploads (`POST /media/upload`, multipart photo uploads) per user per 10 minutes; more is 429 `rate_limited`.',
  MEDIA_UNATTACHED_MAX: 'Uploads of one user attached to no profile photo at once; more is 429 `quota_exceeded`.',
  MEDIA_UNATTACHED_TTL_S: 'Seconds an unattached upload is kept before the moderation worker removes it (row and files).',
  MEDIA_DRAIN_MAX_BYTES: 'Bytes of a refused upload still read and discarded so the client can read the refusal (0: close at once).',

  RATE_LIMIT_CANDIDATES_PER_MIN: '`GET /discovery/candidates` requests per user per minute.',
  RATE_LIMIT_REPORTS_PER_DAY: '`POST /discovery/report` requests per reporter per 24 hours.',
  RATE_LIMIT_REWINDS_PER_MIN: '`POST /discovery/rewind` requests per user per minute (refused ones count too).',
  RATE_LIMIT_INVOICES_PER_10MIN: '`POST /payments/invoice` requests per user per 10 minutes (each makes a Bot API call and an invoice row).',
  REPORT_THROTTLE_MIN_REPORTERS: 'Distinct reporters (within `REPORT_WINDOW_DAYS`) before a user\'s new conversations are throttled.',

  METRICS_TOKEN:
    'Bearer token that opens `/metrics` on the public port (gateway, all-in-one). Unset: `/metrics` is a 404 there. At least 32 characters (`openssl rand -hex 32`).',
  METRICS_PORT: 'A port on 127.0.0.1 serving `/metrics` without a token (gateway, all-in-one, workers; the PM2 launcher gives each worker instance one from `WORKER_METRICS_PORT`). Unset: none.',

  OUTBOX_POLL_MS: 'Longest pause of an outbox relay between two rounds when no commit of its own process wakes it.',
  OUTBOX_BATCH_SIZE: 'Events an outbox relay moves to the bus per round.',
  OUTBOX_PUBLISH_TIMEOUT_MS: 'A relay round whose publishing takes longer is rolled back and retried (its events stay in the outbox).',
  OUTBOX_RETENTION_S: 'How long published events stay in the outbox: a Redis that comes back empty gets the events of that window published again (consumers are idempotent). 0 deletes them at once.',

  REALTIME_ADVERTISE_URL:
    'The URL gateways reach a realtime node at, announced in the registry. Unset: `http://<listen address>:<port>` (a wildcard address becomes the machine\'s first non-loopback IPv4); a URL without a port gets the listen port (one setting for every instance under PM2).',
  REALTIME_REGISTRY_HEARTBEAT_MS: 'How often a realtime node renews its registry entry (tag, URL, connected sockets) in Redis.',
  REALTIME_REGISTRY_TTL_MS:
    'A registry entry not renewed for this long is dropped and gateways stop using its node (a node killed without draining); more than twice the heartbeat.',

  REDIS_SENTINELS:
    'Redis Sentinel mode: the sentinels, `host:port,…`, asked for the current primary (and again after a failover). Needs `REDIS_SENTINEL_NAME`; takes precedence over `REDIS_URL`.',
  REDIS_SENTINEL_NAME: 'The name the sentinels monitor the primary under (`sentinel monitor <name> …`).',
  REDIS_CLUSTER_NODES:
    'Redis Cluster mode: some of its nodes, `host:port,…` (the others are discovered); takes precedence over `REDIS_URL`. The Socket.IO adapter is then the sharded pub/sub one (no connection state recovery; clients catch up with `after_seq`).',
  REDIS_PASSWORD: 'Password of the Redis data nodes in Sentinel or Cluster mode (a `REDIS_URL` carries its own).',
  REDIS_SENTINEL_PASSWORD: 'Password of the sentinels themselves, when they require one (`requirepass` in sentinel.conf).',
};
