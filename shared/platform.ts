// What every process builds first: config, logger, PostgreSQL, Redis (when
// configured), the event bus, the outbox relay that feeds it, and the session
// revocation list. Services get these handed in (createXRouter(deps)); nothing
// holds a connection at module level.
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { createDb, type Knex } from './db.js';
import { createLogger, type Logger } from './logger.js';
import { createRedis } from './redis.js';
import { createBus, type EventBus } from './bus/index.js';
import { SessionRevocations } from './revocation.js';
import { OutboxRelay } from './outbox/relay.js';

export interface Platform {
  config: Config;
  logger: Logger;
  db: Knex;
  redis: Redis | null;
  bus: EventBus;
  /**
   * Moves the events that transactions enqueued (shared/outbox/enqueue.ts) to
   * the bus. Built here, started by the composition root of a process that
   * writes (runService, runWorker, the all-in-one app); close() stops it.
   */
  relay: OutboxRelay;
  revocations: SessionRevocations;
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** Overrides config.databaseUrl (the all-in-one process's embedded database). */
  databaseUrl?: string;
  /**
   * Overrides config.databasePoolMax. The embedded database wants 1: PGlite runs
   * one statement at a time anyway, and its socket server does not keep two
   * connections' extended-protocol messages apart (a statement of one connection
   * would be bound with another's parameters, or fail with "unnamed prepared
   * statement does not exist"), which the outbox relay's concurrent rounds made frequent.
   */
  databasePoolMax?: number;
  logger?: Logger;
}

export function createPlatform(config: Config, service: string, opts: PlatformOptions = {}): Platform {
  const logger = opts.logger ?? createLogger(config, service);
  const databaseUrl = opts.databaseUrl ?? config.databaseUrl;
  if (!databaseUrl) throw new Error('DATABASE_URL is required for this process');
  const db = createDb(databaseUrl, opts.databasePoolMax ?? config.databasePoolMax, logger, service);
  const redis = config.redisUrl ? createRedis(config.redisUrl, logger, service) : null;
  const bus = createBus(config, redis, logger);
  const relay = new OutboxRelay(db, bus, logger.child({ component: 'outbox' }), config.outbox);
  const revocations = new SessionRevocations(redis, config.redisPrefix, config.jwt.accessTtlS, db);
  return {
    config,
    logger,
    db,
    redis,
    bus,
    relay,
    revocations,
    async close() {
      // The relay first: what committed before the shutdown still reaches the bus if it can.
      await relay.stop();
      await bus.close();
      await db.destroy();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The subset every service router is built from. */
export type ServiceDeps = Pick<Platform, 'config' | 'logger' | 'db' | 'redis' | 'bus' | 'revocations'>;
