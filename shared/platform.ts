// What every process builds first: config, logger, PostgreSQL, Redis (when
// configured), the event bus and the session revocation list. Services get
// these handed in (createXRouter(deps)); nothing holds a connection at module level.
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { createDb, type Knex } from './db.js';
import { createLogger, type Logger } from './logger.js';
import { createRedis } from './redis.js';
import { createBus, type EventBus } from './bus/index.js';
import { SessionRevocations } from './revocation.js';

export interface Platform {
  config: Config;
  logger: Logger;
  db: Knex;
  redis: Redis | null;
  bus: EventBus;
  revocations: SessionRevocations;
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** Overrides config.databaseUrl (the all-in-one process's embedded database). */
  databaseUrl?: string;
  logger?: Logger;
}

export function createPlatform(config: Config, service: string, opts: PlatformOptions = {}): Platform {
  const logger = opts.logger ?? createLogger(config, service);
  const databaseUrl = opts.databaseUrl ?? config.databaseUrl;
  if (!databaseUrl) throw new Error('DATABASE_URL is required for this process');
  const db = createDb(databaseUrl, config.databasePoolMax, logger, service);
  const redis = config.redisUrl ? createRedis(config.redisUrl, logger, service) : null;
  const bus = createBus(config, redis, logger);
  const revocations = new SessionRevocations(redis, config.redisPrefix, config.jwt.accessTtlS, db);
  return {
    config,
    logger,
    db,
    redis,
    bus,
    revocations,
    async close() {
      await bus.close();
      await db.destroy();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The subset every service router is built from. */
export type ServiceDeps = Pick<Platform, 'config' | 'logger' | 'db' | 'redis' | 'bus' | 'revocations'>;
