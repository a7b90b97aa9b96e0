// Mocha root hooks: one database and one Redis key prefix per test run,
// migrated before the first test and removed after the last.
import knexFactory from 'knex';
import { Redis } from 'ioredis';
import { createDb, migrateLatest } from '../shared/db.js';
import { deleteByPrefix } from '../shared/redis.js';
import { closeOpenPlatforms, testEnv } from './helpers/env.js';
import { closeInspectors } from './helpers/redis.js';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    const admin = knexFactory({ client: 'pg', connection: testEnv.adminDatabaseUrl, pool: { min: 0, max: 1 } });
    await admin.raw(`CREATE DATABASE "${testEnv.databaseName}"`);
    await admin.destroy();
    const db = createDb(testEnv.databaseUrl, 2);
    await migrateLatest(db);
    await db.destroy();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await closeOpenPlatforms();
    await closeInspectors();
    if (process.env.TEST_KEEP_DATABASE) return;
    const admin = knexFactory({ client: 'pg', connection: testEnv.adminDatabaseUrl, pool: { min: 0, max: 1 } });
    await admin.raw(`DROP DATABASE IF EXISTS "${testEnv.databaseName}" WITH (FORCE)`);
    await admin.destroy();
    const redis = new Redis(testEnv.redisUrl);
    await deleteByPrefix(redis, testEnv.redisPrefix);
    await redis.quit();
  },
};
