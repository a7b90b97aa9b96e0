// A database of a test's own (`test_<run>_<label>_<random>`, migrated), for
// behaviour that depends on every row of a table (a browser user's deck, a
// sweep, the outbox relay, a cluster of processes), so the other tests' rows
// in the run's database neither disturb it nor get touched by it.
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { createDb, migrateLatest } from '../../shared/db.js';
import { testEnv } from './env.js';
import { waitFor } from './wait.js';

export interface IsolatedDatabase {
  name: string;
  url: string;
  /** Drops it (kept, like the run's database, when TEST_KEEP_DATABASE is set). */
  drop(): Promise<void>;
}

async function asAdmin(sql: string) {
  const admin = knexFactory({ client: 'pg', connection: testEnv.adminDatabaseUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(sql);
  } finally {
    await admin.destroy();
  }
}

export async function isolatedDatabase(label: string): Promise<IsolatedDatabase> {
  const name = `${testEnv.databaseName}_${label}_${randomBytes(3).toString('hex')}`;
  await asAdmin(`CREATE DATABASE "${name}"`);
  const u = new URL(testEnv.adminDatabaseUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = createDb(url, 1);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  return {
    name,
    url,
    async drop() {
      if (process.env.TEST_KEEP_DATABASE) return;
      await asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** Outbox rows not published yet (published ones stay for OUTBOX_RETENTION_S, marked). */
export async function unpublishedOutboxRows(db: Knex): Promise<number> {
  return Number((await db('outbox').whereNull('published_at').count({ n: '*' }))[0].n);
}

/**
 * Waits until a relay has published every committed outbox row: the positive
 * signal that an event a transaction enqueued is on the bus (or never will be).
 */
export function outboxDrained(db: Knex, timeoutMs = 10_000): Promise<true> {
  return waitFor('the outbox relay to publish every committed event', async () => (await unpublishedOutboxRows(db)) === 0, { timeoutMs, everyMs: 10 });
}
