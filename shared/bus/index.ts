import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { EventBus } from './bus.js';
import { MemoryBus } from './memory-bus.js';
import { RedisStreamsBus } from './redis-bus.js';

export * from './bus.js';
export { MemoryBus } from './memory-bus.js';
export { RedisStreamsBus } from './redis-bus.js';

/** Redis Streams when Redis is configured, else the in-memory bus. */
export function createBus(config: Pick<Config, 'bus' | 'redisPrefix'>, redis: Redis | null, logger: Logger): EventBus {
  const defaults = config.bus;
  return redis
    ? new RedisStreamsBus(redis, { prefix: config.redisPrefix, logger: logger.child({ component: 'bus' }), defaults })
    : new MemoryBus({ logger: logger.child({ component: 'bus' }), defaults });
}
