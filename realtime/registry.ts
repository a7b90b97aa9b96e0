// The realtime registry: every realtime node (realtime/main.ts) announces
// itself in Redis as {tag, url, load}, so that gateways on any machine find it
// with no configuration of theirs (api/gateway/registry.ts) and send each
// long-polling session back to it by the tag its Engine.IO ids begin with.
//
// One hash, `${REDIS_PREFIX}realtime:registry`: field = tag, value = JSON
// {url, load, expires}, `expires` on Redis' clock (ms) so that machines with
// skewed clocks agree. The node's heartbeat pushes it forward; readers drop
// lapsed entries in the script that lists them, so a node killed without a
// word is gone within the TTL. A draining node removes its own entry before
// its clients are told to reconnect, and waits one gateway read for them to
// be sent elsewhere.
//
// Tags need no coordination to be unique across machines: a random part
// (48 bits), after SERVICE_INSTANCE when it is set (readable in logs). Never
// the port, which every machine's first instance shares.
//
// The same node also answers each /health probe with its tag and load in
// headers: the static gateway mode (REALTIME_URLS) learns the tags of the
// instances it was given from them.
import os from 'node:os';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../shared/redis.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { withTimeout } from '../shared/with-timeout.js';

/** Longest wait for Redis when leaving the registry. */
const WITHDRAW_TIMEOUT_MS = 2000;

export interface RegistryEntry {
  tag: string;
  /** Base URL the gateway proxies to. */
  url: string;
  /** Engine.IO clients connected (sockets, polling ones included). */
  load: number;
}

export const TAG_HEADER = 'x-realtime-tag';
export const LOAD_HEADER = 'x-realtime-load';
/** What a tag may contain: it goes into Engine.IO ids before the dot. */
export const TAG_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** How often gateways read the registry and probe the nodes in it; a draining node waits this long after leaving it. */
export const REGISTRY_READ_MS = 1000;

export const registryKey = (prefix: string) => `${prefix}realtime:registry`;

/** A tag of this node, unique across machines: `[SERVICE_INSTANCE-]<random>`. */
export function newInstanceTag(config: Pick<Config, 'instance'>): string {
  const random = randomBytes(6).toString('base64url');
  const name = config.instance?.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  return name ? `${name}-${random}` : random;
}

/** REALTIME_ADVERTISE_URL (its port, or the listen port), else the address the server listens on. */
export function advertisedUrl(config: Pick<Config, 'realtimeRegistry'>, server: http.Server): string {
  const { address, port } = server.address() as AddressInfo;
  if (config.realtimeRegistry.advertiseUrl) {
    const u = new URL(config.realtimeRegistry.advertiseUrl);
    if (!u.port) u.port = String(port);
    return u.origin;
  }
  const host = isWildcard(address) ? externalAddress() : address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}

/** The first IPv4 address of this machine that others can reach, for a node listening on every address. */
function externalAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS[1]: the registry. ARGV: tag, url, load, ttlMs. The hash itself lapses when no node renews anything.
const ANNOUNCE = `${NOW}
local ttl = tonumber(ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({url = ARGV[2], load = tonumber(ARGV[3]), expires = now + ttl}))
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`;

// KEYS[1]: the registry. Returns tag, entry, tag, entry… of the live entries; removes the lapsed ones.
const LIST = `${NOW}
local all = redis.call('HGETALL', KEYS[1])
local live = {}
for i = 1, #all, 2 do
  local ok, e = pcall(cjson.decode, all[i + 1])
  if ok and type(e) == 'table' and tonumber(e.expires) and tonumber(e.expires) > now then
    live[#live + 1] = all[i]
    live[#live + 1] = all[i + 1]
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
return live`;

/** The live entries of the registry (what gateways route by). */
export async function readRegistry(redis: RedisClient, prefix: string): Promise<RegistryEntry[]> {
  const flat = (await redis.eval(LIST, 1, registryKey(prefix))) as string[];
  const entries: RegistryEntry[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const tag = flat[i];
    const e = JSON.parse(flat[i + 1]) as { url?: unknown; load?: unknown };
    if (!TAG_PATTERN.test(tag) || typeof e.url !== 'string' || !/^https?:\/\//.test(e.url)) continue;
    entries.push({ tag, url: e.url, load: Number(e.load) || 0 });
  }
  return entries;
}

export interface Announcement {
  tag: string;
  url: string;
  /** Leaves the registry; when clients are connected, waits for the gateways to read it without this node. */
  withdraw(): Promise<void>;
}

export interface AnnounceOptions {
  server: http.Server;
  tag: string;
  /** Connected clients now. */
  load: () => number;
  /** Null (no Redis): only the /health headers, for a static gateway list. */
  redis: RedisClient | null;
  config: Pick<Config, 'redisPrefix' | 'realtimeRegistry'>;
  logger: Logger;
  /** How long withdraw() waits for the gateways to notice (default REGISTRY_READ_MS). */
  settleMs?: number;
}

/** Makes this node known to the gateways: /health headers, and a registry entry kept alive by a heartbeat. */
export async function announce(opts: AnnounceOptions): Promise<Announcement> {
  const { server, tag, load, redis, config, logger } = opts;
  const url = advertisedUrl(config, server);
  // Before every other listener: Engine.IO and Koa answer /health after this has set the headers.
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url === '/health' || req.url?.startsWith('/health?')) {
      res.setHeader(TAG_HEADER, tag);
      res.setHeader(LOAD_HEADER, String(load()));
    }
  });
  if (!redis) return { tag, url, withdraw: async () => {} };

  const key = registryKey(config.redisPrefix);
  const { heartbeatMs, ttlMs } = config.realtimeRegistry;
  let withdrawn = false;
  let beating: Promise<void> = Promise.resolve();
  let failing = false;
  const beat = () => {
    beating = redis.eval(ANNOUNCE, 1, key, tag, url, load(), ttlMs).then(
      () => {
        if (failing) logger.info({ tag }, 'realtime registry entry renewed again');
        failing = false;
      },
      (err: Error) => {
        if (!failing) logger.warn({ err: err.message, tag }, 'cannot renew the realtime registry entry; gateways drop this node if it lasts');
        failing = true;
      },
    );
    return beating;
  };
  await beat();
  const timer = setInterval(() => void (withdrawn || beat()), heartbeatMs);
  timer.unref();
  logger.info({ tag, url }, 'realtime node announced in the registry');

  return {
    tag,
    url,
    async withdraw() {
      if (withdrawn) return;
      withdrawn = true;
      clearInterval(timer);
      // A renewal still on its way must not put the entry back after the removal. Both
      // are bounded: a Redis that stopped answering must not hold the shutdown (the entry lapses).
      try {
        await withTimeout(beating.then(() => redis.hdel(key, tag)), WITHDRAW_TIMEOUT_MS, 'Redis');
      } catch (err) {
        logger.warn({ err: (err as Error).message, tag }, 'cannot remove the realtime registry entry; it lapses with its TTL');
      }
      if (load() > 0) await new Promise((r) => setTimeout(r, opts.settleMs ?? REGISTRY_READ_MS));
    },
  };
}
