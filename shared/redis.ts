// ioredis connections, to whichever Redis the configuration describes: one
// server (REDIS_URL), a primary found through Sentinel (REDIS_SENTINELS, which
// follows a failover by itself), or a Redis Cluster (REDIS_CLUSTER_NODES).
// config.redis says which (shared/config.ts); redisFor() is the one place a
// process turns it into a connection, and components take a RedisClient
// without knowing the mode. Keys are namespaced by REDIS_PREFIX (tests use
// their own), which each component applies to the keys it names; on Cluster
// the keys a script or a transaction uses together share a hash tag after it.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Config, RedisConnection } from './config.js';
import type { Logger } from './logger.js';
import { withTimeout } from './with-timeout.js';

export type { Redis, Cluster, RedisConnection };
/** A connection to Redis in any mode: a Redis (one server, or a Sentinel-found primary) or a Cluster. */
export type RedisClient = Redis | Cluster;

export const isCluster = (conn: RedisClient): conn is Cluster => conn instanceof Cluster;

/** What a log may say about a connection (never a password). */
export function describeRedis(conn: RedisConnection): string {
  const list = (hs: { host: string; port: number }[]) => hs.map((h) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`).join(',');
  if (conn.mode === 'cluster') return `cluster ${list(conn.nodes)}`;
  if (conn.mode === 'sentinel') return `sentinel ${conn.name} via ${list(conn.sentinels)}`;
  const u = new URL(conn.url);
  u.password = '';
  u.username = '';
  return u.toString();
}

const commandOptions = {
  maxRetriesPerRequest: 3,
  enableOfflineQueue: true,
  retryStrategy: (times: number) => Math.min(times * 200, 2000),
  // A primary demoted to a replica (a failover behind one address, or an old primary back
  // after Sentinel moved on): connect again, to the primary, and send the command again.
  reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 2 : false),
} satisfies RedisOptions;

/** A new connection to `conn` (a URL: one server), named `name` (CLIENT LIST, logs). */
export function createRedis(url: string, logger: Logger, name?: string): Redis;
export function createRedis(conn: RedisConnection, logger: Logger, name?: string): RedisClient;
export function createRedis(target: RedisConnection | string, logger: Logger, name = 'main'): RedisClient {
  const conn: RedisConnection = typeof target === 'string' ? { mode: 'standalone', url: target } : target;
  let redis: RedisClient;
  if (conn.mode === 'cluster') {
    redis = new Cluster(conn.nodes, {
      redisOptions: { ...commandOptions, connectionName: name, password: conn.password },
      enableOfflineQueue: true,
      clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
      // Writes and reads alike on the masters: replicas lag, and the platform reads what it just wrote.
      scaleReads: 'master',
    });
  } else if (conn.mode === 'sentinel') {
    redis = new Redis({
      ...commandOptions,
      connectionName: name,
      sentinels: conn.sentinels,
      name: conn.name,
      password: conn.password,
      sentinelPassword: conn.sentinelPassword,
      // Hears +switch-master from the sentinels and moves at once, rather than when the old primary's socket dies.
      failoverDetector: true,
    });
  } else {
    redis = new Redis(conn.url, { ...commandOptions, connectionName: name });
  }
  redis.on('ready', () => void checkEvictionPolicy(redis, logger, name));
  let lastLogged = 0;
  redis.on('error', (err: Error) => {
    // Reconnects are automatic; log at most once a second to keep logs readable.
    if (Date.now() - lastLogged > 1000) {
      lastLogged = Date.now();
      logger.warn({ err: err.message, connection: name }, 'redis connection error');
    }
  });
  return redis;
}

/** The platform's connection to the configured Redis, or null without one (the in-memory mode): the one decision of the mode. */
export function redisFor(config: Pick<Config, 'redis'>, logger: Logger, name: string): RedisClient | null {
  return config.redis ? createRedis(config.redis, logger, name) : null;
}

export interface DuplicateOptions {
  /** Commands issued in one turn of the loop leave in one write (per node on Cluster). */
  autoPipelining?: boolean;
  /** Cluster only: SSUBSCRIBE on a subscriber per shard (the sharded Socket.IO adapter needs it). */
  shardedSubscribers?: boolean;
}

/** Another connection to the same Redis, in the same mode, with the same settings (a blocking reader, a subscriber). */
export function duplicate(conn: RedisClient, name: string, opts: DuplicateOptions = {}): RedisClient {
  if (isCluster(conn)) {
    const options: ClusterOptions = {
      enableAutoPipelining: opts.autoPipelining ?? false,
      shardedSubscribers: opts.shardedSubscribers ?? false,
      redisOptions: { ...conn.options.redisOptions, connectionName: name },
    };
    return conn.duplicate([], options);
  }
  return conn.duplicate({ connectionName: name, enableAutoPipelining: opts.autoPipelining ?? false });
}

/**
 * QUIT (what was sent before it is answered first), or a hard disconnect when
 * that fails or gets no answer within `timeoutMs` (a server gone, or a host cut off).
 */
export async function quit(conn: RedisClient, timeoutMs = 1000): Promise<void> {
  await withTimeout(conn.quit(), timeoutMs, 'Redis').catch(() => conn.disconnect());
}

/** The servers that hold data: the masters of a Cluster (known once it is ready), else the one connection. */
export async function dataNodes(conn: RedisClient): Promise<Redis[]> {
  if (!isCluster(conn)) return [conn];
  if (conn.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      conn.once('ready', resolve);
      conn.once('end', () => reject(new Error('Redis Cluster connection ended')));
    });
  }
  return conn.nodes('master');
}

/**
 * Redis must not evict: the platform keeps state there that must not vanish
 * key by key (revocations, stream entries not yet handled, rate-limit counters).
 * Checked on each (re)connection; managed Redis may refuse CONFIG, and then
 * only the operator can tell.
 */
async function checkEvictionPolicy(conn: RedisClient, logger: Logger, connection: string): Promise<void> {
  await Promise.all((await dataNodes(conn)).map((node) => checkNodeEvictionPolicy(node, logger, connection)));
}

async function checkNodeEvictionPolicy(redis: Redis, logger: Logger, connection: string): Promise<void> {
  let policy: string | undefined;
  try {
    policy = ((await redis.config('GET', 'maxmemory-policy')) as string[])[1];
  } catch (err) {
    if (redis.status === 'end') return; // closed meanwhile: nothing to tell
    logger.warn({ connection, err: (err as Error).message }, 'could not check Redis maxmemory-policy (CONFIG GET refused): it must be noeviction');
    return;
  }
  if (policy === undefined) logger.warn({ connection }, 'could not check Redis maxmemory-policy (not reported): it must be noeviction');
  else if (policy !== 'noeviction') {
    logger.warn({ connection, policy }, `Redis maxmemory-policy is ${policy}: set it to noeviction, or Redis may drop keys the platform relies on`);
  }
}

/**
 * For a connection handed to a library that sends some commands without
 * awaiting them (the Socket.IO Streams adapter persists a disconnected socket's
 * session that way): a command sent once the connection has ended rejects with
 * nobody listening, an unhandled rejection that kills the process. This marks
 * each command's promise as handled; whoever awaits it still sees the failure.
 * Both ways a command can go are covered: the command methods (an
 * auto-pipelined command's promise is made there) and sendCommand.
 */
export function handleEveryCommand<C extends RedisClient>(conn: C): C {
  const handled = <F extends (...args: unknown[]) => unknown>(f: F) =>
    function (this: unknown, ...args: unknown[]) {
      const sent = f.apply(this, args);
      if (sent instanceof Promise) sent.catch(() => {});
      return sent;
    };
  const target = conn as unknown as Record<string, unknown> & { getBuiltinCommands(): string[] };
  for (const name of target.getBuiltinCommands().flatMap((c) => [c, `${c}Buffer`])) {
    const method = target[name];
    if (typeof method === 'function') target[name] = handled(method as (...args: unknown[]) => unknown);
  }
  target.sendCommand = handled(target.sendCommand as (...args: unknown[]) => unknown);
  return conn;
}

/** Deletes every key under a prefix (tests' cleanup): SCAN on every master of a Cluster. */
export async function deleteByPrefix(conn: RedisClient, prefix: string): Promise<number> {
  if (!prefix) throw new Error('refusing to delete every key: empty prefix');
  let n = 0;
  for (const redis of await dataNodes(conn)) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (!keys.length) continue;
      // One key per UNLINK on Cluster: the keys of one node still sit in different slots.
      if (isCluster(conn)) for (const gone of await Promise.all(keys.map((k) => redis.unlink(k)))) n += gone;
      else n += await redis.unlink(...keys);
    } while (cursor !== '0');
  }
  return n;
}
