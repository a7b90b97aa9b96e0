// Fixed-window rate limits shared by every instance through Redis
// (rate-limiter-flexible); in memory when the platform runs without Redis.
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from './errors.js';

export interface LimiterOptions {
  redis: Redis | null;
  prefix: string;
  /** Name of the limit, part of its Redis keys. */
  name: string;
  points: number;
  durationS: number;
  code?: 'rate_limited' | 'quota_exceeded';
}

export class RateLimit {
  private readonly limiter: RateLimiterAbstract;
  private readonly code: 'rate_limited' | 'quota_exceeded';

  constructor(opts: LimiterOptions) {
    const common = { keyPrefix: `${opts.prefix}rl:${opts.name}`, points: opts.points, duration: opts.durationS };
    this.limiter = opts.redis
      ? new RateLimiterRedis({ ...common, storeClient: opts.redis, useRedisPackage: false, rejectIfRedisNotReady: false })
      : new RateLimiterMemory(common);
    this.code = opts.code ?? 'rate_limited';
  }

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
