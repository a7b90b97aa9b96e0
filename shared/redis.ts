// ioredis connections. Keys are namespaced by REDIS_PREFIX (tests use their
// own), which each component applies to the keys it names.
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export type { Redis };

export function createRedis(url: string, logger: Logger, name = 'main'): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('ready', () => void checkEvictionPolicy(redis, logger, name));
  let lastLogged = 0;
  redis.on('error', (err) => {
    // Reconnects are automatic; log at most once a second to keep logs readable.
    if (Date.now() - lastLogged > 1000) {
      lastLogged = Date.now();
      logger.warn({ err: err.message, connection: name }, 'redis connection error');
    }
  });
  return redis;
}

/**
 * Redis must not evict: the platform keeps state there that must not vanish
 * key by key (revocations, stream entries not yet handled, rate-limit counters).
 * Checked on each (re)connection; managed Redis may refuse CONFIG, and then
 * only the operator can tell.
 */
async function checkEvictionPolicy(redis: Redis, logger: Logger, connection: string): Promise<void> {
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
 * (It covers commands that are not auto-pipelined: those get a promise of their own.)
 */
export function handleEveryCommand(conn: Redis): Redis {
  const sendCommand = conn.sendCommand.bind(conn);
  conn.sendCommand = ((...args: Parameters<typeof sendCommand>) => {
    const sent = sendCommand(...args);
    if (sent instanceof Promise) sent.catch(() => {});
    return sent;
  }) as typeof conn.sendCommand;
  return conn;
}

/** Deletes every key under a prefix (tests' cleanup). */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  if (!prefix) throw new Error('refusing to delete every key: empty prefix');
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) n += await redis.unlink(...keys);
  } while (cursor !== '0');
  return n;
}
