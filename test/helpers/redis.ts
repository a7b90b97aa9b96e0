// What a platform stored in Redis, for tests that inspect it (streams, keys):
// platforms hand out parts, not their connection.
import pino from 'pino';
import type { Config } from '../../shared/config.js';
import { createRedis, quit, type RedisClient, type RedisConnection } from '../../shared/redis.js';

const inspectors = new Map<string, RedisClient>();

/**
 * A connection to the Redis a platform built from `config` uses (one server,
 * Sentinel or Cluster); one per Redis, closed after the run.
 */
export function redisOf(config: Partial<Pick<Config, 'redis' | 'redisUrl'>>): RedisClient {
  const conn: RedisConnection | undefined = config.redis ?? (config.redisUrl ? { mode: 'standalone', url: config.redisUrl } : undefined);
  if (!conn) throw new Error('this platform runs without Redis');
  const key = JSON.stringify(conn);
  let r = inspectors.get(key);
  if (!r) {
    r = createRedis(conn, pino({ level: 'silent' }), 'test-inspector');
    inspectors.set(key, r);
  }
  return r;
}

export async function closeInspectors() {
  await Promise.all([...inspectors.values()].map(quit));
  inspectors.clear();
}
