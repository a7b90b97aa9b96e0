// Fixed-window rate limits (rate-limiter-flexible): shared by every instance
// through Redis, or in this process's memory in the all-in-one mode without
// Redis. The platform picks which once and hands every component a Limiter.
import type { RedisClient } from './redis.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from './errors.js';

export type LimitCode = 'rate_limited' | 'quota_exceeded';

/**
 * Builds a named limit: `points` per key per `durationS`, refused with `code`
 * (default rate_limited). The name is part of the limit's Redis keys: every
 * instance that builds the same name counts together.
 */
export type Limiter = (name: string, points: number, durationS: number, code?: LimitCode) => RateLimit;

export class RateLimit {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly code: LimitCode,
  ) {}

  /** Takes one point for `key`; throws 429 with Retry-After when none is left. */
  async consume(key: string, points = 1): Promise<void> {
    try {
      await this.limiter.consume(key, points);
    } catch (res) {
      if (res instanceof RateLimiterRes) throw AppError.rateLimited(res.msBeforeNext / 1000, this.code);
      throw res; // the store failed: let the caller's error handling see it
    }
  }
}

// One key per limit and caller: any shard of a Redis Cluster.
export function redisLimiter(redis: RedisClient, prefix: string): Limiter {
  return (name, points, durationS, code = 'rate_limited') =>
    new RateLimit(
      new RateLimiterRedis({
        keyPrefix: `${prefix}rl:${name}`,
        points,
        duration: durationS,
        storeClient: redis,
        useRedisPackage: false,
        rejectIfRedisNotReady: false,
      }),
      code,
    );
}

export function memoryLimiter(): Limiter {
  return (name, points, durationS, code = 'rate_limited') => new RateLimit(new RateLimiterMemory({ keyPrefix: name, points, duration: durationS }), code);
}
