// The test run's own database and Redis namespace, made by test/setup.ts.
// Every test builds its apps from testConfig()/testPlatform(), so it runs
// against real PostgreSQL and Redis but never touches another run's data.
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../shared/config.js';
import { createPlatform, type Platform } from '../../shared/platform.js';

const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

export const testEnv = {
  runId,
  adminDatabaseUrl: process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  databaseName: `test_${runId}`,
  get databaseUrl() {
    const u = new URL(this.adminDatabaseUrl);
    u.pathname = `/${this.databaseName}`;
    return u.toString();
  },
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  redisPrefix: `test:${runId}:`,
};

/** Config for a test: the run's database and Redis, quiet logs, plus overrides (env names). */
export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: testEnv.databaseUrl,
    REDIS_URL: testEnv.redisUrl,
    REDIS_PREFIX: testEnv.redisPrefix,
    DATABASE_POOL_MAX: '5',
    ...overrides,
  });
}

const open = new Set<Platform>();

/**
 * A Platform on the run's database and Redis, its outbox relay running (as in
 * every process that writes); closed by the root afterAll hook if the test forgets.
 * One database, one bus: a test on another bus (no Redis, another prefix) takes a database of its own.
 */
export function testPlatform(overrides: Record<string, string | undefined> = {}, service = 'test'): Platform {
  const p = createPlatform(testConfig(overrides), service);
  p.relay.start();
  const close = p.close.bind(p);
  p.close = async () => {
    open.delete(p);
    await close();
  };
  open.add(p);
  return p;
}

/** The environment of a platform process a test starts (startTs): the run's database and Redis in test mode, plus `overrides`. */
export function processEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: testEnv.databaseUrl, REDIS_URL: testEnv.redisUrl, REDIS_PREFIX: testEnv.redisPrefix, ...overrides };
}

export async function closeOpenPlatforms() {
  await Promise.all([...open].map((p) => p.close().catch(() => {})));
}

/** A unique-per-run number, for Telegram ids and the like. */
let counter = 0;
export function uniqueTelegramId(): number {
  return 1_000_000_000 + (Date.now() % 1_000_000) * 100 + (counter++ % 100) + Math.floor(Math.random() * 1_000_000) * 100_000_000;
}
