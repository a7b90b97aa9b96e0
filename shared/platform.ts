// What every process builds first: config, logger, PostgreSQL, and the parts
// that live in Redis when one is configured (REDIS_URL, Sentinel or Cluster:
// shared/redis.ts) or in this process's memory when none is (the all-in-one mode): the event bus, the rate limiter factory, the
// session revocation list, the presence store, the socket slots and the
// Socket.IO adapter. The mode is picked here, once; components take the parts
// they need and never learn which mode they run in. Services get these handed
// in (createXRouter(deps)); nothing holds a connection at module level.
import type { Config } from './config.js';
import { createDb, type Knex } from './db.js';
import { createLogger, type Logger } from './logger.js';
import { duplicate, quit, redisFor, type RedisClient } from './redis.js';
import { MemoryBus, RedisStreamsBus, type EventBus } from './bus/index.js';
import { memoryLimiter, redisLimiter, type Limiter } from './rate-limit.js';
import { MemoryRevocations, RedisRevocations, type SessionRevocations } from './revocation.js';
import type { Probe } from './http/health.js';
import { OutboxRelay } from './outbox/relay.js';
import type { PresenceStore } from '../realtime/presence/store.js';
import { MemoryPresenceStore } from '../realtime/presence/memory-store.js';
import { RedisPresenceStore } from '../realtime/presence/redis-store.js';
import { MemorySlotStore, RedisSlotStore, type SlotStore } from '../realtime/socket-slots.js';
import { createClusterAdapter, memoryAdapter, type ClusterAdapter } from '../realtime/adapter.js';
import { announce as announceNode, type AnnounceOptions, type Announcement } from '../realtime/registry.js';
import { watchPlatform, type StreamStatsSource } from './ops-metrics.js';

/** The parts the realtime tier's hot path uses, each over Redis or over memory. */
export interface RealtimeParts {
  limiter: Limiter;
  /** Who is online: written by the realtime tier, read by anyone (the notification worker). */
  presence: PresenceStore;
  /** A store of socket slots that lapse after `ttlMs` unless renewed (realtime/socket-slots.ts). */
  socketSlots(ttlMs: number): SlotStore;
  /** A Socket.IO cluster adapter; its caller closes it. */
  socketAdapter(): ClusterAdapter;
}

export interface Platform extends RealtimeParts {
  config: Config;
  logger: Logger;
  db: Knex;
  /** For logs and tests only: components take the parts and never branch on it. */
  mode: 'redis' | 'memory';
  bus: EventBus;
  /**
   * Moves the events that transactions enqueued (shared/outbox/enqueue.ts) to
   * the bus. Built here, started by the composition root of a process that
   * writes (runService, runWorker, the all-in-one app); close() stops it.
   */
  relay: OutboxRelay;
  revocations: SessionRevocations;
  /** What /ready checks (shared/http/health.ts): the database, and Redis when there is one. */
  probes: Record<string, Probe>;
  /**
   * The realtime parts over a Redis connection of their own with auto-pipelining,
   * so the commands a group-commit batch triggers in one tick leave in one write.
   * In memory they are the platform's own parts (the same presence the rest reads).
   * close() releases the connection.
   */
  pipelined(name: string): RealtimeParts & { close(): Promise<void> };
  /** Makes a realtime node known to the gateways (realtime/registry.ts): in Redis, an entry in their registry. */
  announce(opts: Omit<AnnounceOptions, 'redis' | 'config'>): Promise<Announcement>;
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

/** The parts whose home depends on the mode. */
type ModeParts = Pick<Platform, 'mode' | 'bus' | 'revocations' | 'pipelined' | 'announce'> & RealtimeParts & { probes: Record<string, Probe>; close(): Promise<void> };

function inRedis(redis: RedisClient, config: Config, logger: Logger, db: Knex): ModeParts {
  const prefix = config.redisPrefix;
  const over = (conn: RedisClient): RealtimeParts => ({
    limiter: redisLimiter(conn, prefix),
    presence: new RedisPresenceStore(conn, prefix),
    socketSlots: (ttlMs) => new RedisSlotStore(conn, prefix, ttlMs),
    socketAdapter: () => createClusterAdapter(config, conn),
  });
  return {
    mode: 'redis',
    bus: new RedisStreamsBus(redis, { prefix, logger: logger.child({ component: 'bus' }), defaults: config.bus }),
    revocations: new RedisRevocations(redis, prefix, config.jwt.accessTtlS, db),
    ...over(redis),
    // A connection still making its first connection is waited for (the probe's own 2 s
    // bound applies); one that lost Redis answers "down" at once.
    probes: { redis: () => (['ready', 'wait', 'connecting', 'connect'].includes(redis.status) ? redis.ping() : Promise.reject(new Error(redis.status))) },
    pipelined(name) {
      const conn = duplicate(redis, name, { autoPipelining: true });
      conn.on('error', () => {
        /* the platform connection reports Redis trouble */
      });
      return {
        ...over(conn),
        // Auto-pipelined commands leave on the next turn of the loop: let the last ones go
        // before QUIT, or they fail on a closed connection with nobody left to hear it.
        close: () => new Promise<void>((resolve) => setImmediate(resolve)).then(() => quit(conn)),
      };
    },
    announce: (o) => announceNode({ ...o, redis, config }),
    close: () => quit(redis),
  };
}

function inMemory(config: Config, logger: Logger, db: Knex): ModeParts {
  const parts: RealtimeParts = {
    limiter: memoryLimiter(),
    presence: new MemoryPresenceStore(),
    socketSlots: () => new MemorySlotStore(),
    socketAdapter: memoryAdapter,
  };
  return {
    mode: 'memory',
    bus: new MemoryBus({ logger: logger.child({ component: 'bus' }), defaults: config.bus }),
    revocations: new MemoryRevocations(config.jwt.accessTtlS, db),
    ...parts,
    probes: {},
    pipelined: () => ({ ...parts, close: async () => {} }),
    announce: (o) => announceNode({ ...o, redis: null, config }),
    close: async () => {},
  };
}

export function createPlatform(config: Config, service: string, opts: PlatformOptions = {}): Platform {
  const logger = opts.logger ?? createLogger(config, service);
  const databaseUrl = opts.databaseUrl ?? config.databaseUrl;
  if (!databaseUrl) throw new Error('DATABASE_URL is required for this process');
  const db = createDb(databaseUrl, opts.databasePoolMax ?? config.databasePoolMax, logger, service);
  const redis = redisFor(config, logger, service);
  const mode = redis ? inRedis(redis, config, logger, db) : inMemory(config, logger, db);
  const relay = new OutboxRelay(db, mode.bus, logger.child({ component: 'outbox' }), config.outbox);
  const probes = { database: () => db.raw('select 1'), ...mode.probes };
  const unwatch = watchPlatform(service, probes, mode.bus as Partial<StreamStatsSource>);
  return {
    ...mode,
    config,
    logger,
    db,
    relay,
    probes,
    async close() {
      unwatch();
      // The relay first: what committed before the shutdown still reaches the bus if it can.
      await relay.stop();
      await mode.bus.close();
      await db.destroy();
      await mode.close();
    },
  };
}

/** The subset every service router is built from. */
export type ServiceDeps = Pick<Platform, 'config' | 'logger' | 'db' | 'bus' | 'revocations' | 'limiter'>;
